"""The emulator over real HTTP (httpx against live_server): chunked zip upload, import
loop, deactivate/complete, then an order exchange."""

from __future__ import annotations

import os

import httpx
import pytest
from django.urls import reverse

from rapport.core.models import ExternalId
from rapport.exchange.models import ExchangeSession, SessionStatus

from ..emulator import OneCClient
from .conftest import PASSWORD, sample

pytestmark = pytest.mark.django_db(transaction=True)


def test_catalogue_and_orders_over_http(live_server, connection):
    connection.options = {"zip": True, "file_limit": 64 * 1024}
    connection.save()
    files = {
        "import0_1.xml": sample("dobromyslov_commerceml-parser/import0_1.xml").read_bytes(),
        "offers0_1.xml": sample("dobromyslov_commerceml-parser/offers0_1.xml").read_bytes(),
        "import_files/00/photo.jpg": b"\xff\xd8\xff\xe0" + os.urandom(200_000),
    }
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        one_c = OneCClient(
            http,
            login="1c-exchange",
            password=PASSWORD,
            url=reverse("onec_cml:exchange"),
            version="2.10",
        )
        results = one_c.run_catalog(files)
        assert set(results) == {"import0_1.xml", "offers0_1.xml"}
        assert one_c.negotiated_version == "2.08"
        uploads = [s for s in one_c.log if s.params["mode"] == "file"]
        assert len(uploads) > 1  # the archive went in chunks
        assert {s.params["filename"] for s in uploads} == {"import.zip"}
        assert all(s.reply.content_type == "text/plain; charset=utf-8" for s in one_c.log)

        orders = one_c.run_sale(
            {"orders.xml": sample("carono_php-commerceml/orders.xml").read_bytes()}
        )
        assert orders.startswith(b"\xef\xbb\xbf<?xml")

    catalog, sale = ExchangeSession.objects.order_by("started_at")
    assert catalog.channel == "catalog" and catalog.status == SessionStatus.DONE
    assert catalog.counts["created"] > 0
    assert sale.channel == "sale"
    assert ExternalId.objects.filter(system="1c:ut", content_type__model="product").exists()
