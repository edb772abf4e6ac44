"""Browser test: a manager creates a deal with two product lines and sees the total,
drags it on the kanban board to the next stage, and a refused move (the stage requires
contact persons) snaps back with the message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.parties.tests.factories import ClientFactory
from rapport.sales.models import Deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pick_product(page, row, text):
    row.locator(".ts-control").click()
    row.locator(".ts-control input").fill(text)
    page.locator(".ts-dropdown .option", has_text=text).first.click()


def test_create_deal_with_lines_and_move_it_on_the_board(page, login, catalog, pipeline):
    manager = UserFactory(username="anna", role=Role.MANAGER, time_zone="UTC")
    client = ClientFactory(name="Acme Ltd", manager=manager)
    negotiation = pipeline.stages.get(name="Negotiation")
    negotiation.required_fields = ["contacts"]
    negotiation.save()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login("anna")
    page.goto(f"/sales/deals/new/?client={client.pk}")
    page.fill("#id_title", "Widgets for Acme")
    page.get_by_test_id("add-line").click()
    page.get_by_test_id("add-line").click()
    rows = page.get_by_test_id("line-row")
    _pick_product(page, rows.nth(0), "Widget")
    expect(
        page.get_by_test_id("line-row").nth(0).locator('input[name="line-price"]')
    ).to_have_value("10")
    rows = page.get_by_test_id("line-row")
    qty = rows.nth(0).locator('input[name="line-quantity"]')
    qty.fill("3")
    qty.press("Tab")  # the change recomputes the lines on the server
    expect(page.get_by_test_id("total")).to_contain_text("30.00")
    rows = page.get_by_test_id("line-row")
    _pick_product(page, rows.nth(1), "Gadget")
    total = page.get_by_test_id("total")
    expect(total).to_contain_text("63.33")
    assert "63.33" in total.inner_text()
    page.get_by_test_id("form-submit").click()
    page.get_by_test_id("deal-title").wait_for()
    deal = Deal.objects.get(title="Widgets for Acme")
    assert deal.lines.count() == 2 and str(deal.amount) == "63.33"
    assert "63.33" in page.get_by_test_id("deal-total").inner_text()

    page.goto(f"/sales/board/?pipeline={pipeline.pk}")
    card = page.locator(f'[data-deal-id="{deal.pk}"]')
    qualification = page.locator('[data-testid="board-column"][data-stage-name="Qualification"]')
    card.drag_to(qualification.locator('[data-role="cards"]'))
    qualification.locator(f'[data-deal-id="{deal.pk}"]').wait_for()
    assert qualification.get_by_test_id("column-count").inner_text() == "1"
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"

    target = page.locator('[data-testid="board-column"][data-stage-name="Negotiation"]')
    card.drag_to(target.locator('[data-role="cards"]'))
    message = page.get_by_test_id("board-message")
    message.wait_for(state="visible")
    assert re.search("requires: Contact persons", message.inner_text())
    assert qualification.locator(f'[data-deal-id="{deal.pk}"]').count() == 1
    assert target.locator(f'[data-deal-id="{deal.pk}"]').count() == 0
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"
    assert errors == []
