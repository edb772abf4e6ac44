"""Fixtures of the OData connector tests: a local 1C stand-in and a connection to it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rapport.catalog.models import Currency
from rapport.core.models import Organisation
from rapport.exchange.models import Connection, ConnectionKind

from ..odata_server import ODataServer


@pytest.fixture
def money(db):
    org = Organisation.objects.create(name="Our Ltd", currency="RUB")
    rub = Currency.objects.create(code="RUB", name="Russian rouble")
    return SimpleNamespace(org=org, rub=rub)


def make_connection(server: ODataServer, staff, **options) -> Connection:
    return Connection.objects.create(
        kind=ConnectionKind.ODATA,
        code=f"odata-{server.configuration}",
        name=f"1C {server.configuration}",
        run_as=staff.admin,
        default_manager=staff.manager1,
        secret=server.password,
        options={
            "base_url": server.url + "/odata/standard.odata/",
            "username": server.username,
            "configuration": "auto",
            **options,
        },
    )


@pytest.fixture
def bp30():
    with ODataServer("bp30") as server:
        yield server


@pytest.fixture
def ut11():
    with ODataServer("ut11") as server:
        yield server
