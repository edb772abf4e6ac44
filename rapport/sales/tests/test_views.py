"""Deal pages per role (404 outside scope), the form with product lines and the conflict
message, the lines preview, the board (counts, sums, paging by column, bounded queries,
moves as JSON), the pipelines settings page, the client card panel and timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as WebClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.parties import timeline
from rapport.parties.tests.factories import ClientFactory
from rapport.sales.models import Deal, Stage, StageVisit
from rapport.sales.selectors import deals as selectors
from rapport.sales.services import deals as services
from rapport.sales.tests.factories import DealFactory, DealLineFactory

pytestmark = pytest.mark.django_db


def web(user):
    client = WebClient()
    client.force_login(user)
    return client


@pytest.fixture
def deals(staff, catalog, pipeline):
    return {
        "m1": DealFactory(manager=staff.manager1, pipeline=pipeline, title="Deal of m1"),
        "m2": DealFactory(manager=staff.manager2, pipeline=pipeline, title="Deal of m2"),
        "m3": DealFactory(manager=staff.manager3, pipeline=pipeline, title="Deal of m3"),
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
def test_pages_per_role(staff, deals, pipeline, stages, role):
    user = getattr(staff, role)
    client = web(user)
    listing = client.get(reverse("sales:deal_list")).content.decode()
    board = client.get(reverse("sales:board"), {"pipeline": pipeline.pk}).content.decode()
    for key, deal in deals.items():
        visible = key in VISIBLE[role]
        assert (deal.title in listing) is visible
        assert (deal.title in board) is visible
        detail = client.get(reverse("sales:deal_detail", args=[deal.pk]))
        assert detail.status_code == (200 if visible else 404)
        if not visible:
            for name in ("deal_edit", "deal_move", "deal_win", "deal_lose", "deal_trash"):
                response = client.post(
                    reverse(f"sales:{name}", args=[deal.pk]), {"stage": stages["Lead"].pk}
                )
                assert response.status_code == 404, name
    if not user.can_write:
        assert client.get(reverse("sales:deal_create")).status_code == 403
        assert client.get(reverse("sales:deal_edit", args=[deals["m1"].pk])).status_code in (
            403,
            404,
        )
        response = client.post(
            reverse("sales:deal_move", args=[deals["m1"].pk]),
            {"stage": stages["Qualification"].pk},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code in (403, 404)
    settings_page = client.get(reverse("sales:pipeline_settings"))
    assert settings_page.status_code == (200 if role in ("admin", "director") else 403)
    assert Deal.objects.filter(stage__name="Lead").count() == 3


def test_create_deal_with_lines_in_the_form(staff, catalog, pipeline, stages):
    client_record = ClientFactory(manager=staff.manager1)
    client = web(staff.manager1)
    assert client.get(reverse("sales:deal_create"), {"client": client_record.pk}).status_code == 200
    response = client.post(
        reverse("sales:deal_create"),
        {
            "title": "Form deal",
            "client": client_record.pk,
            "stage": stages["Proposal"].pk,
            "currency": "EUR",
            "price_type": catalog.retail.pk,
            "line-product": [catalog.widget.pk, catalog.gadget.pk, ""],
            "line-description": ["", "", ""],
            "line-quantity": ["2", "1", ""],
            "line-price": ["", "", ""],
            "line-discount": ["", "", ""],
            "line-vat": ["", "", ""],
        },
    )
    deal = Deal.objects.get(title="Form deal")
    assert response.status_code == 302
    assert deal.amount == Decimal("53.33") and deal.lines.count() == 2
    assert deal.stage == stages["Proposal"]
    page = client.get(reverse("sales:deal_detail", args=[deal.pk])).content.decode()
    assert "53.33" in page and "{# slot" not in page


def test_form_refuses_required_lines_and_names_it(staff, catalog, pipeline, stages):
    client_record = ClientFactory(manager=staff.manager1)
    response = web(staff.manager1).post(
        reverse("sales:deal_create"),
        {
            "title": "No lines",
            "client": client_record.pk,
            "stage": stages["Proposal"].pk,
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    assert "requires: Product lines" in response.content.decode()
    assert not Deal.objects.filter(title="No lines").exists()


def test_edit_conflict_shows_who_changed_it(staff, catalog, pipeline):
    deal = DealFactory(manager=staff.manager1, pipeline=pipeline)
    services.deal_update(actor=staff.head, deal=deal, version=deal.version, title="By head")
    response = web(staff.manager1).post(
        reverse("sales:deal_edit", args=[deal.pk]),
        {"title": "Mine", "client": deal.client_id, "currency": "EUR", "version": 1},
    )
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="conflict"' in text
    assert str(staff.head) in text
    deal.refresh_from_db()
    assert deal.title == "By head"


def test_lines_preview_prices_from_catalogue(staff, catalog):
    response = web(staff.manager1).post(
        reverse("sales:deal_lines_preview"),
        {
            "currency": "EUR",
            "price_type": catalog.net.pk,
            "line-product": [catalog.widget.pk],
            "line-quantity": ["3"],
        },
    )
    text = response.content.decode()
    assert 'value="10"' in text  # the catalogue price
    assert "36.00" in text  # 30.00 net + 20% VAT on top


def test_lines_preview_names_discount_over_the_limit(staff, catalog):
    response = web(staff.manager1).post(
        reverse("sales:deal_lines_preview"),
        {"currency": "EUR", "line-product": [catalog.widget.pk], "line-discount": ["50"]},
    )
    assert "Line 1 (Widget): the discount 50% is above your limit of 0%." in (
        response.content.decode()
    )


def test_board_counts_sums_and_pages_by_column(staff, catalog, pipeline, stages):
    for _i in range(25):
        DealFactory(manager=staff.manager1, pipeline=pipeline, amount=Decimal("10.00"))
    DealFactory(manager=staff.manager3, pipeline=pipeline, amount=Decimal("999"))  # not head's
    columns = selectors.board(actor=staff.head, pipeline=pipeline, size=20)
    lead = columns[0]
    assert lead.count == 25 and lead.amount == Decimal("250.00")
    assert len(lead.deals) == 20 and lead.next_cursor
    rest = selectors.board_column_page(
        actor=staff.head, stage=lead.stage, cursor=lead.next_cursor, size=20
    )
    assert len(rest.rows) == 5 and not rest.next_cursor
    seen = {d.pk for d in lead.deals} | {d.pk for d in rest.rows}
    assert len(seen) == 25
    page = web(staff.head).get(
        reverse("sales:board_column", args=[lead.stage.pk]), {"cursor": lead.next_cursor}
    )
    assert page.content.decode().count('data-testid="deal-card"') == 5


def test_board_queries_do_not_grow_with_deals(staff, catalog, pipeline):
    client = web(staff.head)
    for _ in range(3):
        DealFactory(manager=staff.manager1, pipeline=pipeline)
    client.get(reverse("sales:board"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sales:board"), {"pipeline": pipeline.pk})
    for _ in range(30):
        DealFactory(manager=staff.manager2, pipeline=pipeline)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("sales:board"), {"pipeline": pipeline.pk})
    assert response.content.decode().count('data-testid="deal-card"') == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_deal_list_query_count_and_paging(staff, catalog, pipeline):
    client = web(staff.admin)
    for _ in range(3):
        DealFactory(manager=staff.manager1, pipeline=pipeline)
    client.get(reverse("sales:deal_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sales:deal_list"))
    for _ in range(60):
        DealFactory(manager=staff.manager2, pipeline=pipeline)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("sales:deal_list"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count('data-testid="deal-row"') == 50
    page = selectors.deal_page(actor=staff.admin)
    more = client.get(
        reverse("sales:deal_list"), {"cursor": page.next_cursor}, HTTP_HX_REQUEST="true"
    )
    assert more.content.decode().count('data-testid="deal-row"') == 13


def test_board_move_as_json(staff, catalog, pipeline, stages):
    deal = DealFactory(manager=staff.manager1, pipeline=pipeline)
    client = web(staff.manager1)
    url = reverse("sales:deal_move", args=[deal.pk])
    refused = client.post(
        url,
        {"stage": stages["Proposal"].pk, "version": deal.version},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "ok": False,
        "message": "The stage “Proposal” requires: Product lines.",
    }
    moved = client.post(
        url,
        {"stage": stages["Qualification"].pk, "version": deal.version},
        HTTP_ACCEPT="application/json",
    )
    assert moved.status_code == 200 and moved.json()["ok"]
    assert moved.json()["columns"][str(stages["Qualification"].pk)]["count"] == 1
    stale = client.post(
        url, {"stage": stages["Lead"].pk, "version": deal.version}, HTTP_ACCEPT="application/json"
    )
    assert stale.status_code == 409 and "changed by" in stale.json()["message"]


def test_deal_card_lose_and_timeline(staff, catalog, pipeline, stages):
    from rapport.sales.tests.factories import LostReasonFactory

    deal = DealFactory(manager=staff.manager1, pipeline=pipeline)
    DealLineFactory(deal=deal)
    client = web(staff.manager1)
    client.post(reverse("sales:deal_move", args=[deal.pk]), {"stage": stages["Proposal"].pk})
    reason = LostReasonFactory(name="Too slow")
    client.post(reverse("sales:deal_lose", args=[deal.pk]), {"reason": reason.pk, "comment": "x"})
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.lost_reason == reason
    page = client.get(reverse("sales:deal_detail", args=[deal.pk])).content.decode()
    assert "Moved to “Proposal”" in page and "Too slow" in page
    assert StageVisit.objects.filter(deal=deal).count() == 2


def test_client_card_panel_and_timeline(staff, catalog, pipeline, stages):
    client_record = ClientFactory(manager=staff.manager1)
    deal = DealFactory(manager=staff.manager1, client=client_record, pipeline=pipeline)
    services.deal_move(actor=staff.manager1, deal=deal, stage=stages["Qualification"])
    services.deal_win(actor=staff.manager1, deal=Deal.objects.get(pk=deal.pk))
    page = web(staff.manager1).get(reverse("parties:client_detail", args=[client_record.pk]))
    text = page.content.decode()
    assert 'data-testid="client-deals"' in text and deal.title in text
    assert 'data-testid="client-new-deal"' in text
    entries = timeline.client_timeline(actor=staff.manager1, client=client_record)
    titles = [e.title for e in entries if e.kind == "deal"]
    assert f"Deal won: {deal.title}" in titles
    assert f"{deal.title}: moved to “Qualification”" in titles
    assert f"New deal: {deal.title}" in titles
    assert [e for e in timeline.client_timeline(actor=staff.manager3, client=client_record)] == []


def test_pipeline_settings_edit_stages(staff, pipeline, stages):
    client = web(staff.admin)
    lead = stages["Lead"]
    client.post(
        reverse("sales:stage_save", args=[pipeline.pk, lead.pk]),
        {
            "name": "Lead",
            "probability": "5",
            "required_fields": ["contacts"],
            "color": "info",
            "is_active": "on",
        },
    )
    lead.refresh_from_db()
    assert lead.probability == 5 and lead.required_fields == ["contacts"]
    client.post(reverse("sales:stage_move", args=[lead.pk, "down"]))
    order = list(Stage.objects.filter(pipeline=pipeline).values_list("name", flat=True))
    assert order[:2] == ["Qualification", "Lead"]
    client.post(
        reverse("sales:stage_create", args=[pipeline.pk]),
        {"name": "Won?", "probability": 95, "color": "secondary", "is_active": "on"},
    )
    assert Stage.objects.get(pipeline=pipeline, name="Won?").position == 5
    client.post(
        reverse("sales:stage_action_add", args=[lead.pk]), {"title": "Send intro", "due_in_days": 1}
    )
    assert lead.actions.get().title == "Send intro"
    response = web(staff.manager1).post(
        reverse("sales:stage_create", args=[pipeline.pk]), {"name": "Sneaky", "probability": 1}
    )
    assert response.status_code == 403 and not Stage.objects.filter(name="Sneaky").exists()
