"""Access matrix of the API: every endpoint × every role of the ``staff`` fixture.

Managers see their own clients and those shared with them; the head sees the Sales
department; manager3 only Service; viewer everything read-only; viewer_sales Sales
read-only; director and admin everything. Out of scope is 404 (never 403 with data) and
never shows in lists or search; refused writes leave the database unchanged;
confidential (VIP) clients hide their details from all but their manager, director,
admin and users granted ``sees_confidential``.
"""

import pytest

from rapport.core.models import PropertyDefinition, User
from rapport.core.services import record_trash
from rapport.parties import services
from rapport.parties.models import Client, ClientShare, ContactPerson, ContactPoint

ROLES = ["admin", "director", "head", "manager1", "manager2", "manager3", "viewer", "viewer_sales"]
WRITERS = {"admin", "director", "head", "manager1", "manager2", "manager3"}
ALL = {"m1", "m2_shared", "m2", "m3", "vip", "office"}
SALES = {"m1", "m2_shared", "m2", "vip"}
VISIBLE = {
    "admin": ALL,
    "director": ALL,
    "head": SALES,
    "manager1": {"m1", "m2_shared", "vip"},
    "manager2": {"m2_shared", "m2", "vip"},
    "manager3": {"m3"},
    "viewer": ALL,
    "viewer_sales": SALES,
}
# Who sees the contact details of the confidential client (managed by manager2).
SEES_VIP_DETAILS = {"admin", "director", "manager2"}
# The trashed client belongs to manager1 (Sales).
SEES_TRASHED = {"admin", "director", "head", "manager1", "viewer", "viewer_sales"}
PHONES = {
    "m1": "+7 495 100-00-01",
    "m2_shared": "+7 495 100-00-02",
    "m2": "+7 495 100-00-03",
    "m3": "+7 495 100-00-04",
    "vip": "+7 495 100-00-05",
    "office": "+7 495 100-00-06",
}


def other_format(phone):
    """ "+7 495 100-00-01" typed as "8 (495) 1000001"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"8 ({digits[1:4]}) {digits[4:]}"


@pytest.fixture
def world(staff):
    PropertyDefinition.objects.create(
        target="client", code="card", label="Card", type="text", is_sensitive=True
    )
    PropertyDefinition.objects.create(target="client", code="tier", label="Tier", type="text")
    owners = {
        "m1": staff.manager1,
        "m2_shared": staff.manager2,
        "m2": staff.manager2,
        "m3": staff.manager3,
        "vip": staff.manager2,
        "office": None,
    }
    clients = {}
    for key, manager in owners.items():
        clients[key] = services.client_create(
            actor=staff.admin,
            name=f"Matrix {key}",
            manager=manager,
            department=manager.department if manager else staff.office,
            is_confidential=key == "vip",
            phones=[{"value": PHONES[key]}],
            emails=[{"value": f"{key}@matrix.example"}],
            addresses=[{"city": "Riga"}],
            properties={"card": f"card-{key}", "tier": "gold"},
        )
    for key in ("m2_shared", "vip"):
        ClientShare.objects.create(client=clients[key], user=staff.manager1)
    trashed = services.client_create(
        actor=staff.admin, name="Matrix trashed", manager=staff.manager1, department=staff.sales
    )
    record_trash(actor=staff.admin, record=trashed)
    contacts = {
        key: services.contact_create(
            actor=staff.admin,
            last_name=f"Contact {key}",
            roles=[{"client": clients[key].pk, "position": "Buyer"}],
            phones=[{"value": f"+7 916 200-00-0{i}"}],
            emails=[{"value": f"c{key}@ex.example"}],
        )
        for i, key in enumerate(("m1", "m3", "vip"))
    }
    return {"clients": clients, "trashed": trashed, "contacts": contacts, "staff": staff}


def client_url(client):
    return f"/api/v1/clients/{client.pk}/"


def snapshot():
    """Everything a refused write could have changed."""
    return (
        sorted(
            Client.objects.values_list(
                "pk",
                "name",
                "notes",
                "status_id",
                "manager_id",
                "deleted_at",
                "updated_at",
                "properties",
            )
        ),
        sorted(ContactPoint.objects.values_list("pk", "value")),
        sorted(ContactPerson.objects.values_list("pk", "first_name", "deleted_at")),
    )


def name_keys(response):
    assert response.status_code == 200, response.content
    return {c["name"].removeprefix("Matrix ") for c in response.json()["results"]}


# --- clients --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_client_list_and_search_show_only_the_scope(world, api, role):
    client = api(getattr(world["staff"], role))
    assert name_keys(client.get("/api/v1/clients/", {"page_size": 100})) == VISIBLE[role]
    assert name_keys(client.get("/api/v1/clients/", {"search": "matrix"})) == VISIBLE[role]
    for key, phone in PHONES.items():
        found = name_keys(client.get("/api/v1/clients/", {"search": other_format(phone)}))
        assert found == ({key} if key in VISIBLE[role] else set()), key
        found = name_keys(client.get("/api/v1/clients/", {"search": f"{key}@matrix.example"}))
        assert found == ({key} if key in VISIBLE[role] else set()), key
    manager3 = world["staff"].manager3.pk
    assert name_keys(client.get("/api/v1/clients/", {"manager": str(manager3)})) == (
        {"m3"} & VISIBLE[role]
    )
    assert name_keys(client.get("/api/v1/clients/", {"prop_tier": "gold"})) == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_client_detail_is_404_out_of_scope(world, api, role):
    client = api(getattr(world["staff"], role))
    for key, record in world["clients"].items():
        response = client.get(client_url(record))
        if key in VISIBLE[role]:
            assert response.status_code == 200, key
            assert response.json()["id"] == str(record.pk)
        else:
            assert response.status_code == 404, key
            assert response["Content-Type"].startswith("application/problem+json")
            assert record.name not in response.content.decode()
    assert client.get(client_url(world["trashed"])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_vip_masking(world, api, role):
    client = api(getattr(world["staff"], role))
    vip = world["clients"]["vip"]
    if "vip" not in VISIBLE[role]:
        assert client.get(client_url(vip)).status_code == 404
        return
    listed = {c["id"]: c for c in client.get("/api/v1/clients/").json()["results"]}
    for body in (client.get(client_url(vip)).json(), listed[str(vip.pk)]):
        if role in SEES_VIP_DETAILS:
            assert body["masked"] is False
            assert body["phones"] == [{"value": PHONES["vip"], "type": ""}]
            assert body["emails"] == [{"value": "vip@matrix.example", "type": ""}]
            assert body["addresses"][0]["city"] == "Riga"
            assert body["properties"] == {"card": "card-vip", "tier": "gold"}
        else:
            assert body["masked"] is True
            assert body["phones"] == body["emails"] == body["addresses"] == []
            assert body["websites"] == body["messengers"] == []
            assert body["properties"] == {"tier": "gold"}
            assert "100-00-05" not in str(body)
    # the other clients are never masked
    for key in VISIBLE[role] - {"vip"}:
        assert listed[str(world["clients"][key].pk)]["masked"] is False


def test_sees_confidential_grant_reveals_vip_details(world, api):
    viewer = world["staff"].viewer
    User.objects.filter(pk=viewer.pk).update(sees_confidential=True)
    body = api(viewer).get(client_url(world["clients"]["vip"])).json()
    assert body["masked"] is False
    assert body["phones"] == [{"value": PHONES["vip"], "type": ""}]
    assert body["properties"]["card"] == "card-vip"


@pytest.mark.parametrize("role", ROLES)
def test_client_create(world, api, role):
    before = Client.objects.count()
    response = api(getattr(world["staff"], role)).post(
        "/api/v1/clients/", {"name": f"New by {role}"}, format="json"
    )
    if role in WRITERS:
        assert response.status_code == 201, response.content
        assert Client.objects.count() == before + 1
    else:
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/problem+json")
        assert Client.objects.count() == before


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("role", ROLES)
def test_client_update(world, api, role, method):
    client = api(getattr(world["staff"], role))
    for key, record in world["clients"].items():
        before = snapshot()
        payload = {"name": record.name, "notes": f"changed by {role}"}
        if method == "put":
            payload["manager"] = str(record.manager_id) if record.manager_id else None
        response = getattr(client, method)(client_url(record), payload, format="json")
        if key not in VISIBLE[role]:
            assert response.status_code == 404, key
            assert snapshot() == before
        elif role not in WRITERS:
            assert response.status_code == 403, key
            assert snapshot() == before
        else:
            assert response.status_code == 200, (key, response.content)
            record.refresh_from_db()
            assert record.notes == f"changed by {role}"


@pytest.mark.parametrize("role", ROLES)
def test_client_delete(world, api, role):
    client = api(getattr(world["staff"], role))
    for key, record in world["clients"].items():
        before = snapshot()
        response = client.delete(client_url(record))
        record.refresh_from_db()
        if key not in VISIBLE[role]:
            assert response.status_code == 404, key
            assert snapshot() == before
        elif role not in WRITERS:
            assert response.status_code == 403, key
            assert snapshot() == before
        else:
            assert response.status_code == 204, key
            assert record.deleted_at is not None


@pytest.mark.parametrize("role", ROLES)
def test_trash_list_and_restore(world, api, role):
    client = api(getattr(world["staff"], role))
    trashed = world["trashed"]
    listed = name_keys(client.get("/api/v1/clients/", {"trashed": "1"}))
    assert listed == ({"trashed"} if role in SEES_TRASHED else set())
    before = snapshot()
    response = client.post(f"{client_url(trashed)}restore/")
    trashed.refresh_from_db()
    if role not in SEES_TRASHED:
        assert response.status_code == 404
        assert snapshot() == before
    elif role not in WRITERS:
        assert response.status_code == 403
        assert snapshot() == before
    else:
        assert response.status_code == 200, response.content
        assert trashed.deleted_at is None


@pytest.mark.parametrize("role", ROLES)
def test_batch_changes_only_the_scope(world, api, role):
    ids = [str(c.pk) for c in world["clients"].values()] + [str(world["trashed"].pk)]
    before = snapshot()
    response = api(getattr(world["staff"], role)).post(
        "/api/v1/clients/batch/",
        {"ids": ids, "action": "set_status", "value": "lost"},
        format="json",
    )
    if role not in WRITERS:
        assert response.status_code == 403
        assert snapshot() == before
        return
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": len(VISIBLE[role])}
    lost = {c.name.removeprefix("Matrix ") for c in Client.objects.filter(status__code="lost")}
    assert lost == VISIBLE[role]


# --- contact persons ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_contacts_list_detail_and_masking(world, api, role):
    client = api(getattr(world["staff"], role))
    visible = {key for key in world["contacts"] if key in VISIBLE[role]}
    listed = {
        c["last_name"].removeprefix("Contact "): c
        for c in client.get("/api/v1/contacts/").json()["results"]
    }
    assert set(listed) == visible
    searched = client.get("/api/v1/contacts/", {"search": "8 916 2000002"}).json()["results"]
    assert [c["last_name"] for c in searched] == (["Contact vip"] if "vip" in visible else [])
    for key, contact in world["contacts"].items():
        response = client.get(f"/api/v1/contacts/{contact.pk}/")
        if key not in visible:
            assert response.status_code == 404, key
            continue
        body = response.json()
        assert body["clients"] == [str(world["clients"][key].pk)]
        masked = key == "vip" and role not in SEES_VIP_DETAILS
        for shown in (body, listed[key]):
            assert shown["masked"] is masked
            assert (shown["phones"] == []) is masked
            assert (shown["emails"] == []) is masked


@pytest.mark.parametrize("role", ROLES)
def test_contact_update_and_delete(world, api, role):
    client = api(getattr(world["staff"], role))
    for key, contact in world["contacts"].items():
        url = f"/api/v1/contacts/{contact.pk}/"
        before = snapshot()
        patch = client.patch(url, {"first_name": role}, format="json")
        delete = client.delete(url)
        if key not in VISIBLE[role]:
            assert (patch.status_code, delete.status_code) == (404, 404), key
            assert snapshot() == before
        elif role not in WRITERS:
            assert (patch.status_code, delete.status_code) == (403, 403), key
            assert snapshot() == before
        else:
            assert (patch.status_code, delete.status_code) == (200, 204), key
            contact.refresh_from_db()
            assert contact.first_name == role and contact.deleted_at is not None


@pytest.mark.parametrize("role", ROLES)
def test_contact_create_at_clients(world, api, role):
    client = api(getattr(world["staff"], role))
    for key, record in world["clients"].items():
        before = ContactPerson.objects.count()
        response = client.post(
            "/api/v1/contacts/",
            {"last_name": f"New {key}", "clients": [str(record.pk)]},
            format="json",
        )
        if role not in WRITERS:
            assert response.status_code == 403, key
        elif key not in VISIBLE[role]:
            assert response.status_code == 400, key  # no such client, as far as they know
            assert response.json()["fields"] == ["clients"]
        else:
            assert response.status_code == 201, key
            assert ContactPerson.objects.count() == before + 1
            continue
        assert ContactPerson.objects.count() == before


# --- properties and users -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_properties_endpoint(world, api, role):
    client = api(getattr(world["staff"], role))
    response = client.get("/api/v1/properties/")
    assert response.status_code == 200
    assert {p["code"] for p in response.json()["results"]} == {"card", "tier"}
    card = PropertyDefinition.objects.get(code="card")
    before = list(PropertyDefinition.objects.order_by("pk").values())
    created = client.post(
        "/api/v1/properties/",
        {"target": "client", "code": f"p_{role}", "label": role, "type": "text"},
        format="json",
    )
    changed = client.patch(f"/api/v1/properties/{card.pk}/", {"label": "x"}, format="json")
    deleted = client.delete(f"/api/v1/properties/{card.pk}/")
    if role == "admin":
        assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    else:
        assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
        assert list(PropertyDefinition.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("role", ROLES)
def test_users_endpoint(world, api, role):
    actor = getattr(world["staff"], role)
    client = api(actor)
    response = client.get("/api/v1/users/", {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == User.objects.count()
    other = world["staff"].manager3
    assert client.get(f"/api/v1/users/{other.pk}/").status_code == 200
    before = list(User.objects.order_by("pk").values())
    created = client.post("/api/v1/users/", {"username": f"new.{role}"}, format="json")
    changed = client.patch(f"/api/v1/users/{other.pk}/", {"role": "admin"}, format="json")
    if role == "admin":
        assert (created.status_code, changed.status_code) == (201, 200)
    else:
        assert (created.status_code, changed.status_code) == (403, 403)
        assert list(User.objects.order_by("pk").values()) == before
