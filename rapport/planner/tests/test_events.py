"""Events: validation, conflicts of participants and resources, moving occurrences,
invitations, iCalendar output and feeds."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rapport.core.models import Notification
from rapport.planner import selectors, services
from rapport.planner.models import Event, EventOverride

from .factories import ResourceFactory

UTC = dt.UTC
WAW = ZoneInfo("Europe/Warsaw")
T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # a Monday
H = dt.timedelta(hours=1)


def plan(actor, start=T0, hours=1, **kw):
    kw.setdefault("title", "Meeting")
    return services.event_create(actor=actor, start=start, end=start + hours * H, **kw)


def test_end_before_start_names_end(staff):
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=staff.manager1, title="X", start=T0, end=T0 - H)
    assert "end" in info.value.message_dict
    assert not Event.objects.exists()


def test_title_time_zone_and_rule_are_validated(staff):
    with pytest.raises(ValidationError) as info:
        services.event_create(
            actor=staff.manager1,
            title=" ",
            start=T0,
            end=T0 + H,
            time_zone="Mars/Olympus",
            rrule="FREQ=NEVER",
        )
    assert {"title", "time_zone", "rrule"} <= set(info.value.message_dict)


def test_read_only_users_cannot_plan(staff):
    with pytest.raises(PermissionDenied):
        plan(staff.viewer)


def test_participant_conflicts_are_reported_and_may_be_overridden(staff):
    busy = plan(staff.manager2, title="Dentist", is_private=True)
    with pytest.raises(ValidationError) as info:
        plan(staff.manager1, start=T0 + dt.timedelta(minutes=30), participants=[staff.manager2])
    messages = info.value.message_dict["participants"]
    assert len(messages) == 1 and str(staff.manager2) in messages[0]
    assert "Dentist" not in messages[0]  # private: busy only
    event = plan(
        staff.manager1,
        start=T0 + dt.timedelta(minutes=30),
        participants=[staff.manager2],
        allow_conflicts=True,
    )
    assert list(event.participants.all()) == [staff.manager2]
    # adjacent times do not conflict
    plan(staff.manager1, start=T0 + 1.5 * H, title="Later", participants=[staff.manager2])
    assert busy.pk


def test_recurring_events_conflict_on_a_later_occurrence(staff):
    plan(staff.manager2, rrule="FREQ=WEEKLY;BYDAY=WE", start=T0 + dt.timedelta(days=2))
    # a one-off meeting three weeks later on Wednesday at the same hour
    with pytest.raises(ValidationError) as info:
        plan(staff.manager1, start=T0 + dt.timedelta(days=23), participants=[staff.manager2])
    assert "participants" in info.value.message_dict
    # declined participants are not busy
    other = plan(
        staff.manager3,
        start=T0 + dt.timedelta(days=40),
        participants=[staff.manager2],
        allow_conflicts=True,
    )
    services.event_respond(actor=staff.manager2, event=other, response="declined")
    plan(staff.manager1, start=T0 + dt.timedelta(days=40), participants=[staff.manager2])


def test_a_resource_cannot_be_double_booked(staff):
    room = ResourceFactory()
    plan(staff.manager1, resource=room)
    with pytest.raises(ValidationError) as info:
        plan(
            staff.manager3, start=T0 + dt.timedelta(minutes=59), resource=room, allow_conflicts=True
        )
    assert "resource" in info.value.message_dict
    assert Event.objects.filter(resource=room).count() == 1
    plan(staff.manager3, start=T0 + H, resource=room)


def test_moving_checks_conflicts_and_one_occurrence_moves_alone(staff):
    plan(staff.manager2, start=T0 + 3 * H, title="Busy later")
    series = plan(staff.manager1, rrule="FREQ=DAILY;COUNT=5", participants=[staff.manager2])
    second = T0 + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.event_move(
            actor=staff.manager1, event=series, start=T0 + 3 * H, end=T0 + 4 * H, occurrence=T0
        )
    services.event_move(
        actor=staff.manager1,
        event=series,
        start=second + 5 * H,
        end=second + 6 * H,
        occurrence=second,
    )
    override = EventOverride.objects.get(event=series)
    assert override.recurrence_id == second and override.start == second + 5 * H
    occ = selectors.event_occurrences(
        actor=staff.manager1, start=T0, end=T0 + dt.timedelta(days=10)
    )
    assert [o.start for _e, o in occ] == [
        T0,
        second + 5 * H,
        T0 + dt.timedelta(days=2),
        T0 + dt.timedelta(days=3),
        T0 + dt.timedelta(days=4),
    ]
    with pytest.raises(PermissionDenied):
        services.event_move(actor=staff.manager3, event=series, start=T0, end=T0 + H)


def test_invitation_notifies_participants(staff):
    event = plan(staff.manager1, participants=[staff.manager2, staff.manager3])
    invited = set(Notification.objects.filter(kind="event_invite").values_list("user", flat=True))
    assert invited == {staff.manager2.pk, staff.manager3.pk}
    services.event_update(
        actor=staff.manager1,
        event=event,
        title="Renamed",
        participants=[staff.manager2, staff.manager3],
    )
    assert Notification.objects.filter(kind="event_invite").count() == 2


def test_visibility_private_events_and_heads(staff):
    event = plan(staff.manager2, is_private=True, title="Secret")
    assert not selectors.event_list(actor=staff.manager1).filter(pk=event.pk).exists()
    assert selectors.event_list(actor=staff.head).filter(pk=event.pk).exists()
    assert not selectors.event_list(actor=staff.manager3).exists()
    assert selectors.event_list(actor=staff.director).filter(pk=event.pk).exists()
    rows = selectors.calendar_entries(
        actor=staff.head, users=[staff.manager2], start=T0 - H, end=T0 + 5 * H
    )
    assert len(rows) == 1 and rows[0]["details"] is False  # the head sees "busy"


def _feed(client, key):
    return client.get(reverse("planner:ical_feed", kwargs={"key": key}))


def test_ical_feed_parses_back_and_revoked_tokens_answer_404(staff, client):
    weekly = services.event_create(
        actor=staff.manager1,
        title="Stand-up",
        start=dt.datetime(2030, 3, 18, 9, 0, tzinfo=WAW),
        end=dt.datetime(2030, 3, 18, 9, 15, tzinfo=WAW),
        time_zone="Europe/Warsaw",
        rrule="FREQ=WEEKLY;COUNT=6",
        exdates=[dt.datetime(2030, 3, 25, 8, 0, tzinfo=UTC)],
    )
    moved_from = dt.datetime(2030, 4, 1, 7, 0, tzinfo=UTC)
    services.event_move(
        actor=staff.manager1,
        event=weekly,
        start=moved_from + 2 * H,
        end=moved_from + 3 * H,
        occurrence=moved_from,
    )
    plan(staff.manager2, title="Private", is_private=True, participants=[staff.manager1])
    key = services.feed_token_issue(actor=staff.manager1)
    response = _feed(client, key)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Warsaw"]
    events = cal.walk("VEVENT")
    series = next(e for e in events if "RRULE" in e)
    assert str(series["SUMMARY"]) == "Stand-up"
    assert series["RRULE"]["FREQ"] == ["WEEKLY"] and series["RRULE"]["COUNT"] == [6]
    assert series.decoded("DTSTART") == dt.datetime(2030, 3, 18, 9, 0, tzinfo=WAW)
    assert series["DTSTART"].params["TZID"] == "Europe/Warsaw"
    exdates = [d.dt for d in series["EXDATE"].dts]
    assert exdates == [dt.datetime(2030, 3, 25, 9, 0, tzinfo=WAW)]
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert override["UID"] == series["UID"]
    assert override.decoded("RECURRENCE-ID").astimezone(UTC) == moved_from
    # the participant sees the private event they attend
    assert any(str(e["SUMMARY"]) == "Private" for e in events)
    # regenerate: the old address stops working
    new_key = services.feed_token_issue(actor=staff.manager1)
    assert _feed(client, key).status_code == 404
    assert _feed(client, new_key).status_code == 200
    services.feed_token_revoke(actor=staff.manager1)
    assert _feed(client, new_key).status_code == 404
    assert _feed(client, "nonsense").status_code == 404


def test_single_event_ics_export(staff, client):
    event = plan(staff.manager1, title="Offer review")
    client.force_login(staff.manager1)
    response = client.get(reverse("planner:event_ics", kwargs={"pk": event.pk}))
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Offer review" and vevent.decoded("DTSTART") == T0
    client.force_login(staff.manager3)
    assert client.get(reverse("planner:event_ics", kwargs={"pk": event.pk})).status_code == 404


def test_working_schedule(staff):
    schedule = services.working_schedule_set(
        actor=staff.manager1,
        user=staff.manager1,
        weekdays=[0, 1, 2, 3],
        start_time=dt.time(8),
        end_time=dt.time(16),
    )
    assert selectors.schedule_for(staff.manager1).weekdays == [0, 1, 2, 3]
    with pytest.raises(ValidationError) as info:
        services.working_schedule_set(
            actor=staff.manager1,
            user=staff.manager1,
            weekdays=[0],
            start_time=dt.time(16),
            end_time=dt.time(8),
        )
    assert "end_time" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        services.working_schedule_set(
            actor=staff.manager2,
            user=staff.manager1,
            weekdays=[0],
            start_time=dt.time(8),
            end_time=dt.time(9),
        )
    assert schedule.pk
