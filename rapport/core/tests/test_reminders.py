"""Reminders: timing, repeats, valid-until, snooze/dismiss/again, dedupe, access."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from rapport.core import notifications, reminders
from rapport.core.models import Notification, NotificationChannel, ReminderState
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of_m1(staff):
    return ClientFactory(name="Acme Ltd", manager=staff.manager1)


def fire(at=None, capture=None):
    return reminders.reminders_fire_due(now=at or timezone.now())


def reminder_notes(user):
    return list(Notification.objects.filter(user=user, kind="reminder").order_by("created_at"))


def test_due_reminder_fires_once_and_is_done(staff, client_of_m1):
    now = timezone.now()
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=now - timedelta(minutes=1), note="Call"
    )
    assert fire(now) == 1
    assert fire(now) == 0  # the beat task running twice notifies once
    assert fire(now + timedelta(minutes=5)) == 0
    [note] = reminder_notes(staff.manager1)
    assert note.title == "Reminder: Acme Ltd"
    assert "Call" in note.body
    assert note.record == client_of_m1
    assert note.dedupe_key.startswith(f"reminder:{reminder.pk}:")
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DONE
    assert reminder.next_at is None
    assert reminder.fired_count == 1


def test_future_reminder_waits(staff, client_of_m1):
    now = timezone.now()
    reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=now + timedelta(minutes=10)
    )
    assert fire(now) == 0
    assert fire(now + timedelta(minutes=10)) == 1


def test_repeat_keeps_cadence_until_valid_until(staff, client_of_m1):
    t0 = timezone.now().replace(microsecond=0)
    reminder = reminders.reminder_create(
        actor=staff.manager1,
        record=client_of_m1,
        remind_at=t0,
        repeat_minutes=60,
        valid_until=t0 + timedelta(hours=2, minutes=30),
    )
    assert fire(t0 + timedelta(minutes=1)) == 1
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.ACTIVE
    assert reminder.next_at == t0 + timedelta(hours=1)
    # The beat was down for a while: one notice, then the next regular time.
    assert fire(t0 + timedelta(hours=1, minutes=50)) == 1
    reminder.refresh_from_db()
    assert reminder.next_at == t0 + timedelta(hours=2)
    assert fire(t0 + timedelta(hours=2)) == 1
    reminder.refresh_from_db()
    # 03:00 would be after valid_until: finished.
    assert reminder.state == ReminderState.DONE
    assert reminder.next_at is None
    assert fire(t0 + timedelta(hours=5)) == 0
    assert len(reminder_notes(staff.manager1)) == 3


def test_snooze_puts_off_and_repeat_resumes(staff, client_of_m1):
    t0 = timezone.now()
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=t0 - timedelta(minutes=1)
    )
    reminder = reminders.reminder_snooze(actor=staff.manager1, reminder=reminder, minutes=30)
    assert reminder.state == ReminderState.SNOOZED
    assert fire(t0 + timedelta(minutes=1)) == 0
    assert fire(t0 + timedelta(minutes=31)) == 1
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DONE


def test_dismiss_stops_and_again_rearms(staff, client_of_m1):
    t0 = timezone.now()
    reminder = reminders.reminder_create(
        actor=staff.manager1,
        record=client_of_m1,
        remind_at=t0 - timedelta(minutes=1),
        repeat_minutes=10,
    )
    reminders.reminder_dismiss(actor=staff.manager1, reminder=reminder)
    assert fire(t0 + timedelta(hours=1)) == 0
    reminder = reminders.reminder_again(actor=staff.manager1, reminder=reminder, minutes=10)
    assert reminder.state == ReminderState.ACTIVE
    assert fire(t0 + timedelta(minutes=5)) == 0
    assert fire(t0 + timedelta(minutes=11)) == 1
    assert len(reminder_notes(staff.manager1)) == 1


def test_again_after_done_fires_again(staff, client_of_m1):
    t0 = timezone.now()
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=t0 - timedelta(minutes=1)
    )
    assert fire(t0) == 1
    reminders.reminder_again(actor=staff.manager1, reminder=reminder, minutes=60)
    assert fire(t0 + timedelta(minutes=61)) == 1
    assert len(reminder_notes(staff.manager1)) == 2


def test_minutes_before_the_due_time(staff, client_of_m1, monkeypatch):
    due = {"at": timezone.now().replace(microsecond=0) + timedelta(hours=2)}
    monkeypatch.setitem(reminders._due_times, type(client_of_m1), lambda record: due["at"])
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, offset_minutes=15
    )
    assert reminder.next_at == due["at"] - timedelta(minutes=15)
    # The due time moves: the reminder follows it.
    due["at"] += timedelta(hours=1)
    assert reminders.reminders_sync_record(record=client_of_m1) == 1
    reminder.refresh_from_db()
    assert reminder.next_at == due["at"] - timedelta(minutes=15)
    assert fire(due["at"] - timedelta(minutes=16)) == 0
    assert fire(due["at"] - timedelta(minutes=15)) == 1
    [note] = reminder_notes(staff.manager1)
    assert "Due:" in note.body


def test_offset_needs_a_due_time(staff, client_of_m1):
    with pytest.raises(ValidationError) as exc:
        reminders.reminder_create(actor=staff.manager1, record=client_of_m1, offset_minutes=15)
    assert "offset_minutes" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "remind_at"),
        ({"remind_at": "NOW", "valid_until": "PAST"}, "valid_until"),
        ({"remind_at": "NOW", "repeat_minutes": 0}, "repeat_minutes"),
    ],
)
def test_bad_input_names_the_field(staff, client_of_m1, kwargs, field):
    now = timezone.now()
    values = {"NOW": now, "PAST": now - timedelta(days=1)}
    kwargs = {k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(ValidationError) as exc:
        reminders.reminder_create(actor=staff.manager1, record=client_of_m1, **kwargs)
    assert field in exc.value.message_dict


def test_reminder_on_a_record_out_of_scope_is_404(staff, client_of_m1):
    with pytest.raises(Http404):
        reminders.reminder_create(
            actor=staff.manager3, record=client_of_m1, remind_at=timezone.now()
        )


def test_only_own_reminders(staff, client_of_m1):
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=timezone.now()
    )
    # Even the director, who sees the client, does not see someone else's reminder.
    assert not reminders.reminders_for(actor=staff.director).exists()
    for other in (staff.director, staff.manager2, staff.admin):
        with pytest.raises(Http404):
            reminders.reminder_dismiss(actor=other, reminder=reminder)
        with pytest.raises(Http404):
            reminders.reminder_snooze(actor=other, reminder=reminder, minutes=5)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.ACTIVE


def test_record_out_of_scope_or_trashed_does_not_fire(staff, client_of_m1):
    now = timezone.now()
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=client_of_m1, remind_at=now - timedelta(minutes=1)
    )
    client_of_m1.manager = staff.manager2
    client_of_m1.save()
    assert fire(now) == 0
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DONE
    assert reminder_notes(staff.manager1) == []


def test_email_follows_preferences(staff, client_of_m1, django_capture_on_commit_callbacks):
    now = timezone.now()
    user = staff.manager1
    notifications.notification_preferences_save(
        actor=user, enabled=[("reminder", NotificationChannel.EMAIL)]
    )
    reminders.reminder_create(actor=user, record=client_of_m1, remind_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert fire(now) == 1
    # E-mail only: nothing under the bell, one message sent.
    assert notifications.unread_count(actor=user) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "[Rapport] Reminder: Acme Ltd"


def test_kind_off_everywhere_stores_nothing(
    staff, client_of_m1, django_capture_on_commit_callbacks
):
    now = timezone.now()
    notifications.notification_preferences_save(actor=staff.manager1, enabled=[])
    reminder = reminders.reminder_create(actor=staff.manager1, record=client_of_m1, remind_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        fire(now)
    assert reminder_notes(staff.manager1) == []
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DONE
