"""Notifications: notify(), preferences, the bell fragments and pages, the reminder widget."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rapport.core import notifications, reminders
from rapport.core.models import Notification, NotificationChannel, Reminder, ReminderState
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_notify_stores_and_emails_after_commit(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notifications.notify(
            user=staff.manager1, kind="task_new", title="Prepare the offer", url="/clients/"
        )
    assert note is not None and note.in_browser
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == ["[Rapport] Prepare the offer"]
    assert "http://127.0.0.1:8000/clients/" in mail.outbox[0].body
    note.refresh_from_db()
    assert note.emailed_at is not None
    # A re-run of the e-mail task after success sends nothing.
    assert notifications.send_notification_email(str(note.pk)) is False
    assert len(mail.outbox) == 1


def test_dedupe_key_makes_notify_idempotent(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.notify(
            user=staff.manager1, kind="task_overdue", title="Late", dedupe_key="task:1:overdue"
        )
        second = notifications.notify(
            user=staff.manager1, kind="task_overdue", title="Late", dedupe_key="task:1:overdue"
        )
    assert first == second
    assert Notification.objects.filter(user=staff.manager1).count() == 1
    assert len(mail.outbox) == 1
    # The same key for another user is another notification.
    assert notifications.notify(
        user=staff.manager2, kind="task_overdue", title="Late", dedupe_key="task:1:overdue"
    )


def test_defaults_and_preferences(staff, django_capture_on_commit_callbacks):
    user = staff.manager1
    assert notifications.channels_for(user, "task_new") == (True, True)
    assert notifications.channels_for(user, "event_soon") == (True, False)
    notifications.notification_preferences_save(
        actor=user, enabled=[("event_soon", NotificationChannel.EMAIL)]
    )
    assert notifications.channels_for(user, "event_soon") == (False, True)
    assert notifications.channels_for(user, "task_new") == (False, False)
    assert notifications.notify(user=user, kind="task_new", title="x") is None
    # Another user's defaults are untouched.
    assert notifications.channels_for(staff.manager2, "task_new") == (True, True)


def test_notify_in_the_recipients_language(staff, django_capture_on_commit_callbacks):
    from django.utils.translation import gettext_lazy

    staff.manager1.language = "ru"
    staff.manager1.save()
    note = notifications.notify(
        user=staff.manager1, kind="task_new", title=gettext_lazy("Profile"), body="b"
    )
    # "Profile" ships translated; the stored title is in the recipient's language.
    from django.utils import translation

    with translation.override("ru"):
        expected = str(gettext_lazy("Profile"))
    assert expected != "Profile"
    assert note.title == expected
    assert str(gettext_lazy("Profile")) == "Profile"  # the caller's language is unchanged


def test_register_kind_shows_in_settings(staff, client, monkeypatch):
    monkeypatch.setitem(notifications._kinds, "invoice_due", None)
    notifications.register_kind("invoice_due", "Invoice due", email=False)
    client.force_login(staff.manager1)
    page = client.get(reverse("core:notification_settings"))
    assert page.status_code == 200
    assert b"Invoice due" in page.content
    assert b'value="invoice_due:browser" id=' in page.content


def test_settings_page_saves(staff, client):
    client.force_login(staff.manager1)
    response = client.post(
        reverse("core:notification_settings"), {"on": ["reminder:email", "task_new:browser"]}
    )
    assert response.status_code == 302
    assert notifications.channels_for(staff.manager1, "reminder") == (False, True)
    assert notifications.channels_for(staff.manager1, "task_new") == (True, False)
    assert notifications.channels_for(staff.manager1, "task_overdue") == (False, False)
    profile = client.get(reverse("core:profile"))
    assert reverse("core:notification_settings").encode() in profile.content


def test_bell_count_menu_open_and_read_all(staff, client):
    user = staff.manager1
    first = notifications.notify(user=user, kind="task_new", title="First", url="/clients/")
    notifications.notify(user=user, kind="task_new", title="Second")
    notifications.notify(user=staff.manager2, kind="task_new", title="Not yours")
    client.force_login(user)

    home = client.get("/")
    assert b'id="rp-bell-count"' in home.content
    assert b'data-count="2"' in home.content
    count = client.get(reverse("core:notification_count"), headers={"HX-Request": "true"})
    assert b'data-count="2"' in count.content

    menu = client.get(reverse("core:notification_menu"), headers={"HX-Request": "true"})
    assert b"First" in menu.content and b"Second" in menu.content
    assert b"Not yours" not in menu.content

    opened = client.post(reverse("core:notification_open", args=[first.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/clients/"
    first.refresh_from_db()
    assert first.read_at is not None
    count = client.get(reverse("core:notification_count"))
    assert b'data-count="1"' in count.content

    done = client.post(reverse("core:notification_read_all"), headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert done["HX-Trigger"] == "rp-notifications-changed"
    assert notifications.unread_count(actor=user) == 0
    assert notifications.unread_count(actor=staff.manager2) == 1
    assert b"data-count" not in client.get(reverse("core:notification_count")).content


def test_polling_after_logout_changes_nothing(client):
    response = client.get(reverse("core:notification_count"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.content == b""


def test_someone_elses_notification_is_404(staff, client):
    note = notifications.notify(user=staff.manager2, kind="task_new", title="Theirs")
    client.force_login(staff.director)
    assert client.post(reverse("core:notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_notifications_page_lists_own(staff, client):
    notifications.notify(user=staff.manager1, kind="reminder", title="Mine")
    notifications.notify(user=staff.manager2, kind="reminder", title="Theirs")
    client.force_login(staff.manager1)
    page = client.get(reverse("core:notifications"))
    assert b"Mine" in page.content and b"Theirs" not in page.content
    assert b"Reminder" in page.content


# --- the reminder widget --------------------------------------------------------------


@pytest.fixture
def acme(staff):
    return ClientFactory(name="Acme Ltd", manager=staff.manager1)


def widget_url(record):
    ct = ContentType.objects.get_for_model(record)
    return reverse("core:reminder_widget", args=[ct.pk, record.pk])


def test_widget_include_and_fragment(staff, client, acme):
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = staff.manager1
    html = Template('{% include "core/reminders/_widget.html" with record=obj %}').render(
        Context({"obj": acme, "request": request})
    )
    assert f'hx-get="{widget_url(acme)}"' in html

    client.force_login(staff.manager1)
    fragment = client.get(widget_url(acme), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b'data-testid="reminder-form"' in fragment.content
    assert b"<html" not in fragment.content
    page = client.get(widget_url(acme))
    assert b"<html" in page.content and b"Acme Ltd" in page.content


def test_widget_adds_snoozes_dismisses(staff, client, acme):
    client.force_login(staff.manager1)
    response = client.post(
        widget_url(acme),
        {"mode": "at", "remind_at": "2030-01-02T09:30", "repeat_minutes": "60", "note": "Call"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "rp-notifications-changed"
    reminder = Reminder.objects.get(user=staff.manager1)
    assert reminder.repeat_minutes == 60 and reminder.note == "Call"
    assert b'data-testid="reminder"' in response.content

    url = reverse("core:reminder_action", args=[reminder.pk, "snooze"])
    client.post(url, {"minutes": "60"}, headers={"HX-Request": "true"})
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SNOOZED
    assert reminder.next_at > timezone.now() + timedelta(minutes=55)

    url = reverse("core:reminder_action", args=[reminder.pk, "dismiss"])
    response = client.post(url, headers={"HX-Request": "true"})
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DISMISSED
    assert b'data-testid="reminder-again"' in response.content


def test_widget_errors_name_the_field(staff, client, acme):
    client.force_login(staff.manager1)
    response = client.post(
        widget_url(acme), {"mode": "at", "remind_at": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert b"Remind at" in response.content
    assert not Reminder.objects.exists()


def test_widget_out_of_scope_is_404(staff, client, acme):
    client.force_login(staff.manager3)
    assert client.get(widget_url(acme)).status_code == 404
    assert client.post(widget_url(acme), {"remind_at": "2030-01-02T09:30"}).status_code == 404
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=acme, remind_at=timezone.now()
    )
    client.force_login(staff.manager2)
    url = reverse("core:reminder_action", args=[reminder.pk, "dismiss"])
    assert client.post(url).status_code == 404
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.ACTIVE
