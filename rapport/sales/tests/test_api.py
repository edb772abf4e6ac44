"""The deals API: scope per role (404 outside), create with nested lines, update with the
version (409 on a stale one), move (400 naming missing fields), win/lose, history,
pipelines with stages, lost reasons and competitors; query counts of the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.parties.tests.factories import ClientFactory
from rapport.sales.models import Deal, DealStatus, StageVisit
from rapport.sales.tests.factories import DealFactory, DealLineFactory, LostReasonFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/deals/"


def _detail(deal):
    return f"{LIST}{deal.pk}/"


@pytest.fixture
def deals(staff, catalog, pipeline):
    """One deal per manager; m3's deal is in the Service department."""
    return {
        "m1": DealFactory(manager=staff.manager1, pipeline=pipeline, currency=catalog.eur),
        "m2": DealFactory(manager=staff.manager2, pipeline=pipeline, currency=catalog.eur),
        "m3": DealFactory(manager=staff.manager3, pipeline=pipeline, currency=catalog.eur),
    }


VISIBLE = {
    "admin": {"m1", "m2", "m3"},
    "director": {"m1", "m2", "m3"},
    "head": {"m1", "m2"},
    "manager1": {"m1"},
    "manager2": {"m2"},
    "manager3": {"m3"},
    "viewer": {"m1", "m2", "m3"},
    "viewer_sales": {"m1", "m2"},
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_scope_of_list_and_detail(api, staff, deals, role):
    client = api(getattr(staff, role))
    got = {row["id"] for row in client.get(LIST).json()["results"]}
    assert got == {str(deals[k].pk) for k in VISIBLE[role]}
    for key, deal in deals.items():
        expected = 200 if key in VISIBLE[role] else 404
        assert client.get(_detail(deal)).status_code == expected
        assert client.get(f"{_detail(deal)}history/").status_code == expected
        if key not in VISIBLE[role]:
            for path in ("move/", "win/", "lose/", "reopen/"):
                assert client.post(f"{_detail(deal)}{path}", {}).status_code == 404
            response = client.patch(_detail(deal), {"title": "x", "version": 1})
            assert response.status_code == 404
            assert client.delete(_detail(deal)).status_code == 404
    assert Deal.objects.filter(title="x").count() == 0


def test_deal_seen_through_its_client_or_as_its_manager(api, staff, catalog, pipeline):
    client = ClientFactory(manager=staff.manager2)
    deal = DealFactory(manager=staff.manager1, client=client, pipeline=pipeline)
    assert api(staff.manager1).get(_detail(deal)).status_code == 200  # its manager
    assert api(staff.manager2).get(_detail(deal)).status_code == 200  # the client's manager
    assert api(staff.manager3).get(_detail(deal)).status_code == 404


def test_read_only_users_cannot_write(api, staff, deals, stages):
    for user in (staff.viewer, staff.viewer_sales):
        client = api(user)
        deal = deals["m1"]
        assert client.patch(_detail(deal), {"title": "x", "version": 1}).status_code == 403
        response = client.post(f"{_detail(deal)}move/", {"stage": str(stages["Qualification"].pk)})
        assert response.status_code == 403
        assert client.delete(_detail(deal)).status_code == 403
    assert Deal.objects.get(pk=deals["m1"].pk).stage.name == "Lead"


def test_create_with_lines_and_update_with_version(api, staff, catalog, pipeline, stages):
    client_record = ClientFactory(manager=staff.manager1)
    client = api(staff.manager1)
    response = client.post(
        LIST,
        {
            "title": "Widgets",
            "client": str(client_record.pk),
            "currency": "EUR",
            "lines": [
                {"product": str(catalog.widget.pk), "quantity": "2"},
                {"description": "Delivery", "price": "15.50", "vat_rate": None},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == "35.50" and data["stage"] == str(stages["Lead"].pk)
    assert [line["amount"] for line in data["lines"]] == ["20.00", "15.50"]
    assert data["version"] == 1
    url = f"{LIST}{data['id']}/"
    assert client.patch(url, {"title": "No version"}).status_code == 400
    ok = client.patch(url, {"title": "Renamed", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(url, {"title": "Stale", "version": 1})
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"
    assert "changed by" in stale.json()["detail"]
    assert Deal.objects.get(pk=data["id"]).title == "Renamed"


def test_create_refuses_invisible_client(api, staff, catalog, pipeline):
    foreign = ClientFactory(manager=staff.manager3)
    response = api(staff.manager1).post(
        LIST, {"title": "x", "client": str(foreign.pk), "currency": "EUR"}, format="json"
    )
    assert response.status_code == 400 and "client" in response.json()["fields"]
    assert not Deal.objects.filter(title="x").exists()


def test_move_names_missing_fields_then_succeeds(api, staff, deals, stages, catalog):
    deal = deals["m1"]
    client = api(staff.manager1)
    response = client.post(f"{_detail(deal)}move/", {"stage": str(stages["Proposal"].pk)})
    assert response.status_code == 400
    problem = response.json()
    assert "lines" in problem["fields"]
    assert "Product lines" in problem["errors"][0]["message"]
    DealLineFactory(deal=deal)
    response = client.post(
        f"{_detail(deal)}move/", {"stage": str(stages["Proposal"].pk), "version": deal.version}
    )
    assert response.status_code == 200 and response.json()["stage"] == str(stages["Proposal"].pk)
    history = client.get(f"{_detail(deal)}history/").json()
    assert [h["stage_name"] for h in history] == ["Lead", "Proposal"]
    assert history[0]["left_at"] is not None and history[1]["left_at"] is None
    stale = client.post(f"{_detail(deal)}move/", {"stage": str(stages["Lead"].pk), "version": 1})
    assert stale.status_code == 409


def test_win_and_lose(api, staff, deals):
    client = api(staff.manager1)
    deal = deals["m1"]
    assert client.post(f"{_detail(deal)}lose/", {}).status_code == 400
    reason = LostReasonFactory(name="Price")
    response = client.post(f"{_detail(deal)}lose/", {"reason": str(reason.pk), "comment": "dear"})
    assert response.status_code == 200 and response.json()["status"] == DealStatus.LOST
    assert client.post(f"{_detail(deal)}win/", {}).status_code == 400  # closed
    assert client.post(f"{_detail(deal)}reopen/", {}).status_code == 200
    response = client.post(f"{_detail(deal)}win/", {})
    assert response.json()["status"] == DealStatus.WON
    assert not StageVisit.objects.filter(deal=deal, left_at__isnull=True).exists()


def test_filters(api, staff, deals, stages):
    client = api(staff.admin)
    rows = client.get(LIST, {"manager": str(staff.manager2.pk)}).json()["results"]
    assert [r["id"] for r in rows] == [str(deals["m2"].pk)]
    rows = client.get(LIST, {"department": str(staff.service.pk)}).json()["results"]
    assert [r["id"] for r in rows] == [str(deals["m3"].pk)]
    rows = client.get(LIST, {"search": deals["m1"].title}).json()["results"]
    assert [r["id"] for r in rows] == [str(deals["m1"].pk)]
    assert client.get(LIST, {"status": "won"}).json()["results"] == []
    assert client.get(LIST, {"created_from": "not a date"}).status_code == 400
    assert client.get(LIST, {"ordering": "nonsense"}).status_code == 400


def test_list_query_count_does_not_grow(api, staff, catalog, pipeline):
    client = api(staff.admin)
    for _ in range(3):
        DealLineFactory(deal=DealFactory(manager=staff.manager1, pipeline=pipeline))
    client.get(LIST)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(10):
        DealLineFactory(deal=DealFactory(manager=staff.manager2, pipeline=pipeline))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).json()["results"]) == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pipelines_lost_reasons_competitors(api, staff, pipeline):
    LostReasonFactory(name="No budget")
    client = api(staff.viewer)
    data = client.get("/api/v1/pipelines/").json()["results"]
    ours = next(p for p in data if p["id"] == str(pipeline.pk))
    assert [s["name"] for s in ours["stages"]] == [
        "Lead",
        "Qualification",
        "Proposal",
        "Negotiation",
        "Contract",
    ]
    assert ours["stages"][2]["required_fields"] == ["lines"]
    assert client.get(f"/api/v1/pipelines/{pipeline.pk}/").status_code == 200
    assert "No budget" in [r["name"] for r in client.get("/api/v1/lost-reasons/").json()["results"]]
    assert client.get("/api/v1/competitors/").status_code == 200
    assert client.post("/api/v1/pipelines/", {"name": "x"}).status_code == 405
    assert api().get("/api/v1/pipelines/").status_code == 401
