"""/api/v1/reminders/ and /api/v1/notifications/: own records only, problem details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.core import notifications, reminders
from rapport.core.models import Reminder, ReminderState
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(staff):
    return ClientFactory(name="Acme Ltd", manager=staff.manager1)


def test_create_list_and_fire_through_the_api(staff, api, acme):
    m1 = api(staff.manager1)
    at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    response = m1.post(
        "/api/v1/reminders/",
        {
            "record_type": "parties.client",
            "record_id": str(acme.pk),
            "remind_at": at.isoformat(),
            "repeat_minutes": 30,
            "note": "Call back",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["record_type"] == "parties.client"
    assert body["record_id"] == str(acme.pk)
    assert body["record_label"] == "Acme Ltd"
    assert body["state"] == "active"
    assert body["repeat_minutes"] == 30
    listing = m1.get("/api/v1/reminders/", {"record_type": "parties.client"}).json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]
    assert "next" in listing
    assert m1.get("/api/v1/reminders/", {"state": "done"}).json()["results"] == []

    reminders.reminders_fire_due(now=at)
    unread = m1.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [n["title"] for n in unread] == ["Reminder: Acme Ltd"]
    assert unread[0]["record_type"] == "parties.client"
    assert m1.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}


def test_bad_input_is_problem_json_naming_fields(staff, api, acme):
    m1 = api(staff.manager1)
    response = m1.post(
        "/api/v1/reminders/",
        {"record_type": "parties.client", "record_id": str(acme.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["fields"] == ["remind_at"]
    response = m1.post(
        "/api/v1/reminders/",
        {"record_type": "nope.thing", "record_id": "1", "remind_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == ["record_type"]
    assert not Reminder.objects.exists()


def test_record_out_of_scope_is_404(staff, api, acme):
    response = api(staff.manager3).post(
        "/api/v1/reminders/",
        {
            "record_type": "parties.client",
            "record_id": str(acme.pk),
            "remind_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Reminder.objects.exists()


def test_another_users_reminder_is_404(staff, api, acme):
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=acme, remind_at=timezone.now() + timedelta(hours=1)
    )
    url = f"/api/v1/reminders/{reminder.pk}/"
    for other in (staff.director, staff.head, staff.manager2):
        client = api(other)
        assert client.get(url).status_code == 404
        assert client.patch(url, {"note": "x"}, format="json").status_code == 404
        assert client.post(f"{url}dismiss/").status_code == 404
        assert client.post(f"{url}snooze/", {"minutes": 5}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
        assert client.get("/api/v1/reminders/").json()["results"] == []
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.ACTIVE and reminder.note == ""


def test_snooze_again_dismiss_update_delete(staff, api, acme):
    m1 = api(staff.manager1)
    reminder = reminders.reminder_create(
        actor=staff.manager1, record=acme, remind_at=timezone.now()
    )
    url = f"/api/v1/reminders/{reminder.pk}/"
    body = m1.post(f"{url}snooze/", {"minutes": 15}, format="json").json()
    assert body["state"] == "snoozed"
    assert m1.post(f"{url}snooze/", {"minutes": 0}, format="json").json()["fields"] == ["minutes"]
    assert m1.post(f"{url}dismiss/").json()["state"] == "dismissed"
    assert m1.post(f"{url}again/", {"minutes": 10}, format="json").json()["state"] == "active"
    later = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    body = m1.patch(url, {"remind_at": later.isoformat(), "note": "new"}, format="json").json()
    assert body["note"] == "new"
    assert body["next_at"].startswith(later.isoformat()[:16])
    assert m1.delete(url).status_code == 204
    assert not Reminder.objects.exists()


def test_notifications_mark_read_and_all(staff, api):
    first = notifications.notify(user=staff.manager1, kind="task_new", title="A")
    notifications.notify(user=staff.manager1, kind="task_new", title="B")
    other = notifications.notify(user=staff.manager2, kind="task_new", title="C")
    m1 = api(staff.manager1)
    assert len(m1.get("/api/v1/notifications/").json()["results"]) == 2
    assert m1.get(f"/api/v1/notifications/{other.pk}/").status_code == 404
    assert m1.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    body = m1.post(f"/api/v1/notifications/{first.pk}/read/").json()
    assert body["read_at"] is not None
    assert [n["title"] for n in m1.get("/api/v1/notifications/?unread=true").json()["results"]] == [
        "B"
    ]
    assert m1.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert m1.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert notifications.unread_count(actor=staff.manager2) == 1


def test_requires_authentication(api):
    assert api().get("/api/v1/reminders/").status_code == 401
    assert api().get("/api/v1/notifications/").status_code == 401
