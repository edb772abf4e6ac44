"""API: events, occurrences, resources, tasks and their actions; validation errors as
problem details naming the field; access matrix over every role."""

import datetime as dt

import pytest

from rapport.planner import services

from .factories import ResourceFactory

T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
ROLES = ["admin", "director", "head", "manager1", "manager2", "manager3", "viewer", "viewer_sales"]


def test_event_crud_and_validation(staff, api):
    c = api(staff.manager1)
    room = ResourceFactory()
    body = {
        "title": "Planning",
        "start": "2030-01-07T10:00:00+01:00",
        "end": "2030-01-07T11:00:00+01:00",
        "time_zone": "Europe/Warsaw",
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "participants": [str(staff.manager2.pk)],
        "resource": str(room.pk),
    }
    r = c.post("/api/v1/events/", body, format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["start"].startswith("2030-01-07T09:00:00") and data["participants"] == [
        str(staff.manager2.pk)
    ]
    assert data["resource"] == str(room.pk) and data["rrule"] == "FREQ=WEEKLY;COUNT=3"
    bad = c.post("/api/v1/events/", {**body, "end": "2030-01-07T09:00:00+01:00"}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert "end" in bad.json()["fields"]
    clash = api(staff.manager3).post(
        "/api/v1/events/", {**body, "participants": [], "rrule": ""}, format="json"
    )
    assert clash.status_code == 400 and clash.json()["fields"] == ["resource"]
    occ = c.get(
        "/api/v1/events/occurrences/",
        {"start": "2030-01-01T00:00:00Z", "end": "2030-02-01T00:00:00Z"},
    )
    assert occ.status_code == 200 and len(occ.json()) == 3
    assert c.get("/api/v1/events/occurrences/").status_code == 400
    pk = data["id"]
    r = c.patch(f"/api/v1/events/{pk}/", {"title": "Planning v2"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "Planning v2"
    assert r.json()["participants"] == [str(staff.manager2.pk)]
    r = c.post(
        f"/api/v1/events/{pk}/move/",
        {"start": "2030-01-07T12:00:00Z", "end": "2030-01-07T13:00:00Z"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["start"].startswith("2030-01-07T12:00")
    assert (
        c.get("/api/v1/events/", {"user": str(staff.manager2.pk)}).json()["results"][0]["id"] == pk
    )
    assert c.delete(f"/api/v1/events/{pk}/").status_code == 204
    assert c.get(f"/api/v1/events/{pk}/").status_code == 404


def test_private_event_is_busy_only_for_the_head(staff, api):
    event = services.event_create(
        actor=staff.manager1, title="Doctor", start=T0, end=T0 + H, is_private=True
    )
    data = api(staff.head).get(f"/api/v1/events/{event.pk}/").json()
    assert data["busy_only"] is True and data["title"] == "Busy"
    assert api(staff.manager1).get(f"/api/v1/events/{event.pk}/").json()["title"] == "Doctor"


def test_task_api_workflow(staff, api):
    head, m1 = api(staff.head), api(staff.manager1)
    r = head.post(
        "/api/v1/tasks/",
        {"description": "no title", "executor": str(staff.manager1.pk)},
        format="json",
    )
    assert r.status_code == 400 and r.json()["fields"] == ["title"]
    r = head.post(
        "/api/v1/tasks/", {"title": "", "executor": str(staff.manager1.pk)}, format="json"
    )
    assert r.status_code == 400 and r.json()["fields"] == ["title"]
    r = head.post(
        "/api/v1/tasks/",
        {
            "title": "Send the offer",
            "executor": str(staff.manager1.pk),
            "deadline": "2030-01-08T17:00:00+01:00",
            "checklist": ["Draft"],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    task = r.json()
    assert task["author"] == str(staff.head.pk) and task["executor"] == str(staff.manager1.pk)
    assert task["status"] == "new" and task["deadline"].startswith("2030-01-08T16:00:00")
    pk = task["id"]
    assert m1.post(f"/api/v1/tasks/{pk}/start/").json()["status"] == "in_progress"
    assert m1.post(f"/api/v1/tasks/{pk}/accept/").status_code == 403
    assert m1.post(f"/api/v1/tasks/{pk}/complete/", {}, format="json").json()["status"] == "done"
    r = head.post(f"/api/v1/tasks/{pk}/return/", {}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == ["comment"]
    assert (
        head.post(f"/api/v1/tasks/{pk}/return/", {"comment": "More"}, format="json").json()[
            "status"
        ]
        == "in_progress"
    )
    m1.post(f"/api/v1/tasks/{pk}/complete/", {}, format="json")
    assert head.post(f"/api/v1/tasks/{pk}/accept/").json()["status"] == "accepted"
    r = head.post(
        f"/api/v1/tasks/{pk}/reassign/", {"executor": str(staff.manager2.pk)}, format="json"
    )
    assert r.status_code == 400 and r.json()["fields"] == ["status"]
    assert api(staff.manager3).get(f"/api/v1/tasks/{pk}/").status_code == 404
    r = head.patch(f"/api/v1/tasks/{pk}/", {"title": "Send the offer (v2)"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "Send the offer (v2)"


@pytest.fixture
def records(staff):
    event = services.event_create(actor=staff.manager1, title="M1 meeting", start=T0, end=T0 + H)
    task = services.task_create(actor=staff.manager1, title="M1 task", executor=staff.manager2)
    return {"event": event, "task": task}


SEES_EVENT = {"admin", "director", "head", "manager1", "viewer", "viewer_sales"}
SEES_TASK = {"admin", "director", "head", "manager1", "manager2", "viewer", "viewer_sales"}
WRITERS = {"admin", "director", "head", "manager1", "manager2", "manager3"}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(staff, api, records, role):
    user = getattr(staff, role)
    c = api(user)
    event, task = records["event"], records["task"]
    listed = {e["id"] for e in c.get("/api/v1/events/").json()["results"]}
    assert (str(event.pk) in listed) == (role in SEES_EVENT)
    assert c.get(f"/api/v1/events/{event.pk}/").status_code == (200 if role in SEES_EVENT else 404)
    occ = c.get(
        "/api/v1/events/occurrences/",
        {"start": "2030-01-01T00:00:00Z", "end": "2030-02-01T00:00:00Z"},
    )
    assert (len(occ.json()) == 1) == (role in SEES_EVENT)
    listed = {t["id"] for t in c.get("/api/v1/tasks/").json()["results"]}
    assert (str(task.pk) in listed) == (role in SEES_TASK)
    assert c.get(f"/api/v1/tasks/{task.pk}/").status_code == (200 if role in SEES_TASK else 404)
    assert c.get("/api/v1/resources/").status_code == 200
    # writes: read-only users are refused; others outside scope get 404
    r = c.post("/api/v1/tasks/", {"title": "Mine", "executor": str(user.pk)}, format="json")
    assert r.status_code == (201 if role in WRITERS else 403)
    r = c.patch(f"/api/v1/events/{event.pk}/", {"title": "Changed"}, format="json")
    expected = (
        200
        if role in {"admin", "director", "head", "manager1"}
        else (404 if role not in SEES_EVENT else 403)
    )
    assert r.status_code == expected
    r = c.delete(f"/api/v1/tasks/{task.pk}/")
    expected = (
        204
        if role in {"admin", "director", "head", "manager1"}
        else (404 if role not in SEES_TASK else 403)
    )
    assert r.status_code == expected
    assert api().get("/api/v1/tasks/").status_code == 401
