"""Pages: calendar JSON feed (overlays, busy blocks), move endpoint, forms, to-do list,
task card, report; 404 outside scope."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.planner import services

T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture
def setup(staff):
    private = services.event_create(
        actor=staff.manager2, title="Dentist", start=T0, end=T0 + H, is_private=True
    )
    meeting = services.event_create(
        actor=staff.manager1, title="Offer", start=T0 + 2 * H, end=T0 + 3 * H
    )
    task = services.task_create(
        actor=staff.head, title="Report", executor=staff.manager1, deadline=timezone.now() + H
    )
    return private, meeting, task


def feed(client, **params):
    r = client.get(
        reverse("planner:calendar_events"),
        {"start": "2030-01-06T00:00:00Z", "end": "2030-01-13T00:00:00Z", **params},
    )
    assert r.status_code == 200
    return r.json()["events"]


def test_calendar_overlay_shows_colleagues_busy(client, staff, setup):
    client.force_login(staff.manager1)
    assert client.get(reverse("planner:calendar")).status_code == 200
    mine = feed(client)
    assert [e["title"] for e in mine] == ["Offer"] and mine[0]["editable"] is True
    both = feed(client, users=[str(staff.manager1.pk), str(staff.manager2.pk)])
    titles = sorted(e["title"] for e in both)
    assert titles == ["Busy", "Offer"]
    busy = next(e for e in both if e["title"] == "Busy")
    assert "url" not in busy and busy["editable"] is False
    assert len({e["color"] for e in both}) == 2
    dept = feed(client, department=str(staff.sales.pk))
    assert sorted(e["title"] for e in dept) == ["Busy", "Offer"]


def test_move_endpoint_refuses_conflicts_with_a_message(client, staff, setup):
    _private, meeting, _task = setup
    services.event_update(actor=staff.manager1, event=meeting, participants=[staff.manager2])
    client.force_login(staff.manager1)
    url = reverse("planner:event_move", kwargs={"pk": meeting.pk})
    r = client.post(url, {"start": T0.isoformat(), "end": (T0 + H).isoformat()})
    assert r.status_code == 409 and "busy" in r.json()["message"]
    meeting.refresh_from_db()
    assert meeting.start == T0 + 2 * H
    r = client.post(url, {"start": (T0 + 4 * H).isoformat(), "end": (T0 + 5 * H).isoformat()})
    assert r.status_code == 200
    meeting.refresh_from_db()
    assert meeting.start == T0 + 4 * H
    client.force_login(staff.manager3)
    assert (
        client.post(url, {"start": T0.isoformat(), "end": (T0 + H).isoformat()}).status_code == 404
    )


def test_event_form_create_and_conflicts_fragment(client, staff, setup):
    client.force_login(staff.manager1)
    r = client.get(
        reverse("planner:event_create"),
        {"start": "2030-01-07T09:00:00Z", "end": "2030-01-07T10:00:00Z"},
    )
    assert r.status_code == 200 and b'value="2030-01-07T09:00"' in r.content
    r = client.get(
        reverse("planner:event_conflicts"),
        {
            "start": "2030-01-07T09:30",
            "end": "2030-01-07T10:30",
            "time_zone": "UTC",
            "participants": [str(staff.manager2.pk)],
        },
    )
    assert b"conflict-list" in r.content and b"Dentist" not in r.content
    data = {
        "title": "Call",
        "start": "2030-01-07T09:30",
        "end": "2030-01-07T10:30",
        "time_zone": "UTC",
        "participants": [str(staff.manager2.pk)],
    }
    r = client.post(reverse("planner:event_create"), data)
    assert r.status_code == 422 and b"error-participants" in r.content
    r = client.post(reverse("planner:event_create"), {**data, "allow_conflicts": "on"})
    assert r.status_code == 302
    r = client.post(
        reverse("planner:event_create"),
        {**data, "end": "2030-01-07T08:00", "allow_conflicts": "on"},
    )
    assert r.status_code == 422 and b"error-end" in r.content


def test_task_pages(client, staff, setup):
    _p, _m, task = setup
    client.force_login(staff.manager1)
    r = client.get(reverse("planner:task_list"))
    assert r.status_code == 200 and b"Report" in r.content
    assert client.get(reverse("planner:task_detail", kwargs={"pk": task.pk})).status_code == 200
    services.checklist_item_add(actor=staff.manager1, task=task, text="Numbers")
    item = task.checklist.get()
    r = client.post(
        reverse("planner:checklist_toggle", kwargs={"pk": task.pk, "item_pk": item.pk}),
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and b"checklist" in r.content
    item.refresh_from_db()
    assert item.is_done
    client.post(reverse("planner:task_action", kwargs={"pk": task.pk, "action": "complete"}))
    task.refresh_from_db()
    assert task.status == "done"
    r = client.get(reverse("planner:discipline_report"))
    assert r.status_code == 200
    chart = json.loads(
        r.content.decode()
        .split('id="rp-discipline-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert chart["labels"]
    client.force_login(staff.manager3)
    assert client.get(reverse("planner:task_detail", kwargs={"pk": task.pk})).status_code == 404
    client.force_login(staff.viewer)
    assert client.get(reverse("planner:task_detail", kwargs={"pk": task.pk})).status_code == 200
    assert client.get(reverse("planner:task_create")).status_code == 403
