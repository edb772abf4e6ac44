"""Browser: set a reminder on a client, see the bell count rise without reloading, open the
notification, dismiss the reminder."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from rapport.core import reminders
from rapport.core.models import Reminder, ReminderState
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.e2e


def test_receive_a_reminder_in_the_browser(page, login, staff, settings):
    settings.RAPPORT_NOTIFICATION_POLL_SECONDS = 1
    acme = ClientFactory(name="Acme Ltd", manager=staff.manager1)
    ct = ContentType.objects.get_for_model(acme)
    widget = reverse("core:reminder_widget", args=[ct.pk, acme.pk])

    login("manager1")
    page.goto(widget)
    assert page.locator("[data-testid=bell-count]").count() == 0
    # The user's time zone is UTC: "now" in it.
    now = timezone.now().astimezone(timezone.get_default_timezone())
    page.fill("[data-testid=reminder-at]", (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("[data-testid=reminder-repeat]", "15")
    page.fill("[data-testid=reminder-note]", "Call about the contract")
    page.click("[data-testid=reminder-add]")
    page.locator("[data-testid=reminder]").wait_for()
    assert page.locator("[data-testid=reminder-state]").inner_text() == "Active"

    # Celery beat's task runs (in the test process: eager); the page is not reloaded.
    assert reminders.reminders_fire_due() == 1
    badge = page.locator("[data-testid=bell-count]")
    badge.wait_for(timeout=10000)
    assert badge.get_attribute("data-count") == "1"
    assert page.locator("[data-testid=reminder-note]").input_value() == ""  # same page

    page.click("[data-testid=bell-toggle]")
    item = page.locator("[data-testid=bell-item]").first
    item.wait_for()
    assert "Reminder: Acme Ltd" in item.inner_text()
    item.click()  # marks it read and opens the record's page
    page.wait_for_load_state()
    assert page.locator("[data-testid=bell-count]").count() == 0

    page.goto(widget)
    page.click("[data-testid=reminder-dismiss]")
    page.locator("[data-testid=reminder][data-state=dismissed]").wait_for()
    reminder = Reminder.objects.get(user=staff.manager1)
    assert reminder.state == ReminderState.DISMISSED
    assert reminders.reminders_fire_due(now=timezone.now() + timedelta(hours=2)) == 0
    assert page.console_errors == []
