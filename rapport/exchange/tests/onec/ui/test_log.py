"""The exchange log: sessions with counts, filters and keyset pages, the chart data, one
session with its files (downloadable), rejected objects, conflicts and its progress."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import Job, JobStatus
from rapport.exchange.models import FileDirection, SessionStatus
from rapport.exchange.onec import selectors

from .conftest import add_file, add_rejection, make_connection, make_session

pytestmark = pytest.mark.django_db


def test_list_shows_sessions_with_counts_and_chart(client, exchanger):
    shop = make_connection(code="shop", name="Shop")
    books = make_connection(kind="odata", code="bp", name="Books")
    older = make_session(shop, minutes_ago=60, counts={"created": 10, "rejected": 2})
    newer = make_session(books, minutes_ago=5, channel="pull", status=SessionStatus.FAILED)
    client.force_login(exchanger)
    response = client.get(reverse("onec:sessions"))
    assert response.status_code == 200
    assert [s.pk for s in response.context["sessions"]] == [newer.pk, older.pk]
    html = response.content.decode()
    assert "1 min 15 s" in html
    assert 'data-status="failed"' in html
    chart = response.context["chart"]
    assert chart["labels"][0].startswith("shop ")  # oldest on the left
    series = {s["key"]: s["data"] for s in chart["series"]}
    assert series == {
        "created": [10, 3],
        "updated": [0, 1],
        "unchanged": [0, 5],
        "rejected": [2, 1],
    }
    assert 'id="session-chart-data"' in html
    payload = re.search(r'id="session-chart-data"[^>]*>(.*?)</script>', html).group(1)
    assert json.loads(payload) == chart


def test_filters(client, exchanger):
    shop = make_connection(code="shop")
    books = make_connection(kind="odata", code="bp")
    catalog = make_session(shop, minutes_ago=10, channel="catalog")
    sale = make_session(shop, minutes_ago=9, channel="sale", status=SessionStatus.FAILED)
    pull = make_session(books, minutes_ago=3 * 24 * 60, channel="pull")
    client.force_login(exchanger)

    def shown(**query):
        response = client.get(reverse("onec:sessions"), query)
        return {s.pk for s in response.context["sessions"]}

    assert shown() == {catalog.pk, sale.pk, pull.pk}
    assert shown(connection=shop.pk) == {catalog.pk, sale.pk}
    assert shown(channel="sale") == {sale.pk}
    assert shown(status="failed") == {sale.pk}
    today = timezone.localdate()
    assert shown(date_from=(today - timedelta(days=1)).isoformat()) == {catalog.pk, sale.pk}
    assert shown(date_to=(today - timedelta(days=2)).isoformat()) == {pull.pk}


def test_keyset_pages(client, exchanger, django_assert_max_num_queries):
    shop = make_connection(code="shop")
    sessions = [make_session(shop, minutes_ago=i) for i in range(7)]
    page = selectors.session_page(actor=exchanger, size=3)
    assert [s.pk for s in page.rows] == [s.pk for s in sessions[:3]] and page.is_first
    second = selectors.session_page(actor=exchanger, size=3, cursor=page.next_cursor)
    assert [s.pk for s in second.rows] == [s.pk for s in sessions[3:6]]
    third = selectors.session_page(actor=exchanger, size=3, cursor=second.next_cursor)
    assert [s.pk for s in third.rows] == [sessions[6].pk] and third.next_cursor == ""
    assert selectors.session_page(actor=exchanger, cursor="garbage").is_first
    client.force_login(exchanger)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("onec:sessions"), {"connection": shop.pk})
    assert response.status_code == 200 and len(response.context["sessions"]) == 7


def test_detail_with_files_rejections_and_download(client, exchanger, media):
    shop = make_connection(code="shop")
    session = make_session(shop, version="2.08")
    incoming = add_file(session, "import0_1.xml", "<КоммерческаяИнформация/>".encode())
    add_file(session, "orders.xml", b"\xef\xbb\xbf<x/>", direction=FileDirection.OUT)
    add_rejection(session)
    add_rejection(session, target="client", external_id="", label="", reason="No name.")
    client.force_login(exchanger)
    response = client.get(reverse("onec:session", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "import0_1.xml" in html and "orders.xml" in html
    assert "price “abc” is not a number" in html and "bd72d8f9-55bc-11d9-848a-00112f43529a" in html
    assert response.context["rejections_total"] == 2
    assert 'data-count="created">3<' in html
    download = client.get(reverse("onec:file_download", args=[incoming.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "<КоммерческаяИнформация/>".encode()
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"


def test_missing_file_is_404(client, exchanger, media):
    session = make_session(make_connection())
    record = add_file(session, "gone.xml", b"x")
    record.file.delete(save=False)
    client.force_login(exchanger)
    assert client.get(reverse("onec:file_download", args=[record.pk])).status_code == 404


def test_many_rejections_are_cut(client, exchanger, monkeypatch):
    session = make_session(make_connection())
    for i in range(5):
        add_rejection(session, external_id=str(i))
    monkeypatch.setattr(selectors, "REJECTIONS_ON_PAGE", 3)
    rows, total = selectors.session_rejections(session=session, limit=3)
    assert len(rows) == 3 and total == 5


def test_progress_while_running(client, exchanger):
    job = Job.objects.create(
        kind="onec_import", status=JobStatus.RUNNING, total=200, processed=50, created_by=exchanger
    )
    session = make_session(
        make_connection(),
        status=SessionStatus.RUNNING,
        finished_at=None,
        job=job,
        counts={"created": 7},
    )
    client.force_login(exchanger)
    page = client.get(reverse("onec:session", args=[session.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "50 / 200" in page
    part = client.get(
        reverse("onec:session", args=[session.pk]), {"part": "progress"}, HTTP_HX_REQUEST="true"
    )
    assert part.status_code == 200 and "HX-Refresh" not in part
    assert 'data-count="created">7<' in part.content.decode()
    assert "<html" not in part.content.decode()
    session.status = SessionStatus.DONE
    session.finished_at = timezone.now()
    session.save()
    part = client.get(
        reverse("onec:session", args=[session.pk]), {"part": "progress"}, HTTP_HX_REQUEST="true"
    )
    assert part["HX-Refresh"] == "true"
    assert "hx-trigger" not in part.content.decode()
