"""Interactions in Chromium: log a call on a client from its card (with a template), see it
on the card's activity, pick a client by typing in the list filter, and complete a
planned meeting."""

import datetime as dt
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from rapport.interactions import services
from rapport.interactions.models import Interaction, InteractionType
from rapport.parties import services as party_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(db):
    # A live-server test flushes the database between tests, data migrations included.
    import_module("rapport.interactions.migrations.0002_default_types").create(apps, None)


def test_log_a_call_and_complete_a_meeting(page, login, staff, seeded):
    client = party_services.client_create(
        actor=staff.admin,
        name="Baltic Freight",
        manager=staff.manager1,
        department=staff.sales,
    )
    login("manager1")

    # From the client card: the "new interaction" button (or the URL it links to).
    page.goto(f"/clients/{client.pk}/")
    button = page.locator(
        "[data-testid=client-new-interaction], [data-testid=timeline-new-interaction]"
    )
    if button.count():
        button.first.click()
    else:
        page.goto(f"/interactions/new/?client={client.pk}")
    expect(page.get_by_test_id("interaction-form")).to_be_visible()
    page.get_by_test_id("template-picker").select_option(label="First call")
    expect(page.locator("input[name=subject]")).to_have_value("Introductory call")
    outgoing = InteractionType.objects.get(code="call_out")
    expect(page.locator("select[name=type]")).to_have_value(str(outgoing.pk))
    page.fill("textarea[name=result]", "Interested in training")
    page.get_by_test_id("interaction-save").click()
    page.wait_for_url(re.compile(rf"/clients/{client.pk}/"))
    logged = Interaction.objects.get(client=client)
    assert (logged.type.code, logged.subject, logged.planned) == (
        "call_out",
        "Introductory call",
        False,
    )
    page.get_by_test_id("tab-activity").click()
    expect(page.get_by_test_id("pane-activity")).to_contain_text("Introductory call")

    # A planned meeting, completed from the list of planned interactions.
    meeting = services.interaction_create(
        actor=staff.manager1,
        client=client,
        type=InteractionType.objects.get(code="meeting"),
        subject="Contract talk",
        planned=True,
        participants=[staff.manager1],
        date=timezone.now() + dt.timedelta(days=1),
    )
    page.goto("/interactions/")
    page.locator("#f-client + .ts-wrapper input, #f-client-ts-control").first.fill("Baltic")
    page.locator(".ts-dropdown .option", has_text="Baltic Freight").first.click()
    # Each filter change reloads the rows; a change made while the previous reload is in
    # flight cancels it (htmx logs that), so let each one finish.
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("filter-planned").select_option("1")
    # Let the filter's request finish: leaving the page mid-request logs an htmx error.
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("interaction-row")).to_have_count(1)
    page.get_by_test_id("row-complete").click()
    page.fill("textarea[name=result]", "Signed")
    page.get_by_test_id("complete-save").click()
    expect(page.get_by_test_id("state-done")).to_be_visible()
    meeting.refresh_from_db()
    assert not meeting.planned and meeting.result == "Signed"
    assert page.console_errors == []
