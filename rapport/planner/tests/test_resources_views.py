"""Rooms and resources pages: everyone signed in sees the list; administrators create
and change resources (validated, errors naming the field); others get the 404 of the
administrator pages and nothing changes."""

import pytest
from django.urls import reverse

from rapport.planner import services
from rapport.planner.models import Resource


@pytest.fixture
def rooms(staff):
    big = services.resource_save(
        actor=staff.admin, name="Big room", kind="room", location="2nd floor", capacity=12
    )
    car = services.resource_save(actor=staff.admin, name="Company car", kind="vehicle")
    old = services.resource_save(actor=staff.admin, name="Old projector", is_active=False)
    return big, car, old


def test_list_visible_to_a_manager_without_edit_links(client, staff, rooms):
    client.force_login(staff.manager1)
    r = client.get(reverse("planner:resource_list"))
    assert r.status_code == 200
    html = r.content.decode()
    for name in ("Big room", "Company car", "Old projector", "2nd floor", "Vehicle", "Inactive"):
        assert name in html
    assert reverse("planner:resource_create") not in html
    assert reverse("planner:resource_edit", kwargs={"pk": rooms[0].pk}) not in html


def test_list_requires_sign_in(client, rooms):
    r = client.get(reverse("planner:resource_list"))
    assert r.status_code == 302 and "login" in r["Location"]


def test_calendar_links_to_resources(client, staff):
    client.force_login(staff.manager1)
    html = client.get(reverse("planner:calendar")).content.decode()
    assert reverse("planner:resource_list") in html


def test_admin_creates_a_resource(client, staff):
    client.force_login(staff.admin)
    assert client.get(reverse("planner:resource_create")).status_code == 200
    r = client.post(
        reverse("planner:resource_create"),
        {
            "name": "  Board room ",
            "kind": "room",
            "location": "1st floor",
            "capacity": "8",
            "is_active": "on",
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse("planner:resource_list")
    room = Resource.objects.get()
    assert (room.name, room.kind, room.location, room.capacity, room.is_active) == (
        "Board room",
        "room",
        "1st floor",
        8,
        True,
    )
    listing = client.get(reverse("planner:resource_list")).content.decode()
    assert reverse("planner:resource_edit", kwargs={"pk": room.pk}) in listing


def test_empty_name_is_refused_naming_the_field(client, staff):
    client.force_login(staff.admin)
    r = client.post(reverse("planner:resource_create"), {"name": "  ", "kind": "room"})
    assert r.status_code == 200
    assert "Give the resource a name." in r.context["form"].errors["name"]
    assert 'data-testid="error-name"' in r.content.decode()
    assert not Resource.objects.exists()


def test_duplicate_name_is_refused(client, staff, rooms):
    client.force_login(staff.admin)
    r = client.post(reverse("planner:resource_create"), {"name": "big ROOM", "kind": "room"})
    assert r.status_code == 200
    assert "A resource with this name exists." in r.context["form"].errors["name"]
    assert Resource.objects.count() == 3


def test_admin_edits_a_resource(client, staff, rooms):
    big = rooms[0]
    client.force_login(staff.admin)
    url = reverse("planner:resource_edit", kwargs={"pk": big.pk})
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["name"] == "Big room"
    r = client.post(url, {"name": "Large room", "kind": "room", "location": "", "capacity": ""})
    assert r.status_code == 302
    big.refresh_from_db()
    assert (big.name, big.location, big.capacity, big.is_active) == ("Large room", "", None, False)
    bad = client.post(url, {"name": "", "kind": "room"})
    assert "name" in bad.context["form"].errors
    big.refresh_from_db()
    assert big.name == "Large room"


def test_manager_cannot_create_or_edit(client, staff, rooms):
    big = rooms[0]
    client.force_login(staff.manager1)
    create = reverse("planner:resource_create")
    edit = reverse("planner:resource_edit", kwargs={"pk": big.pk})
    assert client.get(create).status_code == 404
    assert client.post(create, {"name": "Sneaky", "kind": "room"}).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Renamed", "kind": "room"}).status_code == 404
    big.refresh_from_db()
    assert big.name == "Big room"
    assert not Resource.objects.filter(name="Sneaky").exists()
