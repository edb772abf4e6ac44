"""The interactions API: every endpoint × every role of the ``staff`` fixture.

Visibility follows the client base (own and shared clients, the head's department,
read-only grants) plus interactions a user took part in; out of scope is 404 and never
shows in lists; refused writes leave the database unchanged; the description of a
confidential client's interaction is hidden (null) from users who may not see its details.
"""

import pytest

from rapport.interactions.models import Interaction, InteractionType

from .conftest import itype
from .test_selectors import VISIBLE

pytestmark = pytest.mark.django_db

ROLES = sorted(VISIBLE)
KEYS = ["m1", "m2_shared", "m2", "m3", "vip", "office", "m3_joined"]
EDITABLE = {
    "admin": set(KEYS),
    "director": set(KEYS),
    "head": {"m1", "m2_shared", "m2"},
    "manager1": {"m1"},
    "manager2": {"m2_shared", "m2", "vip"},
    "manager3": {"m3", "m3_joined"},
    "viewer": set(),
    "viewer_sales": set(),
}
SEES_VIP_TEXT = {"admin", "director", "manager2"}
URL = "/api/v1/interactions/"


def snapshot():
    return sorted(
        Interaction.objects.values_list(
            "pk", "subject", "description", "result", "planned", "deleted_at", "updated_at"
        )
    )


def listed(client, url=URL):
    found, page = [], client.get(url)
    while True:
        assert page.status_code == 200, page.content
        found += page.json()["results"]
        if not page.json()["next"]:
            return found
        page = client.get(page.json()["next"])


def key_of(row):
    return row["subject"].removeprefix("Call ")


@pytest.mark.parametrize("role", ROLES)
def test_list_and_retrieve(world, api, role):
    client = api(getattr(world["staff"], role))
    rows = listed(client, URL + "?page_size=3")
    assert {key_of(r) for r in rows} == VISIBLE[role]
    for key, item in world["interactions"].items():
        response = client.get(f"{URL}{item.pk}/")
        if key in VISIBLE[role]:
            assert response.status_code == 200
            data = response.json()
            assert data["id"] == str(item.pk) and data["client"] == str(item.client_id)
            assert data["type"] == str(item.type_id) and data["planned"] is False
            assert data["date"].endswith(("Z", "+00:00")) or data["date"][-6] in "+-"
            if key == "vip":
                expected = "secret vip" if role in SEES_VIP_TEXT else None
                assert data["description"] == expected
                assert data["details_visible"] is (role in SEES_VIP_TEXT)
        else:
            assert response.status_code == 404
            assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ROLES)
def test_update_and_delete(world, api, role):
    client = api(getattr(world["staff"], role))
    for key, item in world["interactions"].items():
        before = snapshot()
        response = client.patch(f"{URL}{item.pk}/", {"subject": f"Call {key}!"}, format="json")
        if key in EDITABLE[role]:
            assert response.status_code == 200, (key, response.content)
            assert response.json()["subject"] == f"Call {key}!"
            client.patch(f"{URL}{item.pk}/", {"subject": f"Call {key}"}, format="json")
        else:
            assert response.status_code == (403 if key in VISIBLE[role] else 404), key
            assert snapshot() == before
        before = snapshot()
        response = client.delete(f"{URL}{item.pk}/")
        if key in EDITABLE[role]:
            assert response.status_code == 204
            assert client.post(f"{URL}{item.pk}/restore/").status_code == 200
        else:
            assert response.status_code in (403, 404)
            assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_create_and_complete(world, api, role):
    staff = world["staff"]
    user = getattr(staff, role)
    client = api(user)
    for key, target in world["clients"].items():
        before = snapshot()
        response = client.post(
            URL,
            {
                "client": str(target.pk),
                "type": "meeting",
                "subject": "Plan",
                "date": "2030-05-01T09:00:00+02:00",
                "planned": True,
                "participants": [str(staff.manager1.pk)],
            },
            format="json",
        )
        if not user.can_write:
            assert response.status_code == 403
            assert snapshot() == before
            continue
        if key not in VISIBLE[role]:
            assert response.status_code == 400
            assert response.json()["fields"] == ["client"]
            assert snapshot() == before
            continue
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["date"] in ("2030-05-01T07:00:00Z", "2030-05-01T07:00:00+00:00")
        assert data["manager"] == str(user.pk) and data["planned"] is True
        done = client.post(f"{URL}{data['id']}/complete/", {"result": "Agreed"}, format="json")
        assert done.status_code == 200, done.content
        assert done.json()["planned"] is False and done.json()["completed_at"]


def test_bad_input_names_the_field(world, api):
    client = api(world["staff"].manager1)
    target = str(world["clients"]["m1"].pk)
    response = client.post(URL, {"client": target, "type": "nope", "subject": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"type", "subject"}
    response = client.post(
        URL, {"client": target, "type": "complaint", "subject": "Broken"}, format="json"
    )
    assert response.status_code == 400 and response.json()["fields"] == ["description"]
    assert client.get(URL + "?date_from=2025-02-01&date_to=2025-01-01").status_code == 400
    assert client.get(URL + "?ordering=secret").status_code == 400
    item = world["interactions"]["m1"]
    response = client.post(f"{URL}{item.pk}/complete/", {"result": "x"}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == ["planned"]


def test_filters(world, api):
    staff = world["staff"]
    client = api(staff.admin)
    m3 = world["clients"]["m3"]
    assert {key_of(r) for r in listed(client, f"{URL}?client={m3.pk}")} == {"m3", "m3_joined"}
    assert {key_of(r) for r in listed(client, f"{URL}?type=meeting")} == {"m3_joined"}
    assert {key_of(r) for r in listed(client, f"{URL}?user={staff.manager1.pk}")} == {
        "m1",
        "m3_joined",
    }
    assert {key_of(r) for r in listed(api(staff.manager1), f"{URL}?user=me")} == {"m1", "m3_joined"}
    assert listed(client, f"{URL}?planned=true") == []
    assert len(listed(client, f"{URL}?planned=false")) == 7
    assert listed(client, f"{URL}?date_from=2000-01-01&date_to=2000-01-02") == []


@pytest.mark.parametrize("role", ROLES)
def test_interaction_types(world, api, role):
    user = getattr(world["staff"], role)
    client = api(user)
    rows = listed(client, "/api/v1/interaction-types/")
    assert "call_in" in {r["code"] for r in rows}
    one = client.get(f"/api/v1/interaction-types/{itype().pk}/")
    assert one.status_code == 200 and one.json()["code"] == "call_out"
    count = InteractionType.objects.count()
    created = client.post(
        "/api/v1/interaction-types/",
        {"code": f"sms_{role}", "name": "SMS", "icon": "phone", "required_fields": ["result"]},
        format="json",
    )
    changed = client.patch(
        f"/api/v1/interaction-types/{itype().pk}/", {"name": "Call"}, format="json"
    )
    if user.is_administrator:
        assert created.status_code == 201 and changed.status_code == 200
        assert created.json()["required_fields"] == ["result"]
        dup = client.post(
            "/api/v1/interaction-types/", {"code": "call_in", "name": "x"}, format="json"
        )
        assert dup.status_code == 400 and dup.json()["fields"] == ["code"]
    else:
        assert created.status_code == 403 and changed.status_code == 403
        assert InteractionType.objects.count() == count
        assert itype().name == "Outgoing call"


def test_list_query_count_is_constant(world, api, django_assert_max_num_queries):
    client = api(world["staff"].admin)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
