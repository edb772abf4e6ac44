"""Fixtures of the documents tests: deals are the registered target (as SalesConfig.ready
registers them once the lead wires it), a deal with Cyrillic and Polish product lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.documents import registry


@pytest.fixture(autouse=True)
def deal_target():
    """Make sure "sales.deal" is registered (idempotent) with the deals' access rule."""
    from rapport.sales import access  # noqa: F401  (the deal visibility rule)
    from rapport.sales.document_context import register

    register()
    yield registry.get_target("sales.deal")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_deal(db, staff):
    from .factories import make_deal

    return make_deal


@pytest.fixture
def deal(make_deal, staff):
    return make_deal(manager=staff.manager1)


@pytest.fixture
def offer_template(db, staff, media):
    from .factories import install_template

    return install_template(staff.admin, "commercial_offer.ru.docx", "ru", name="КП")


@pytest.fixture
def amount() -> Decimal:
    return Decimal("1234.56")
