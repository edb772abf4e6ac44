"""API of clients: CRUD, validation as problem details, pagination, filters, batch
actions and the query count of the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core.models import PropertyDefinition
from rapport.parties import services
from rapport.parties.models import Client, ClientShare, RelationshipStatus, Source, Tag

PROBLEM = "application/problem+json"
URL = "/api/v1/clients/"


def status(code):
    return RelationshipStatus.objects.get(code=code)


def make_client(actor, name, **kwargs):
    return services.client_create(actor=actor, name=name, **kwargs)


def detail(client):
    return f"{URL}{client.pk}/"


@pytest.fixture
def props(db):
    return {
        "segment": PropertyDefinition.objects.create(
            target="client",
            code="segment",
            label="Segment",
            type="choice",
            choices=["retail", "wholesale"],
        ),
        "employees": PropertyDefinition.objects.create(
            target="client", code="employees", label="Employees", type="number"
        ),
        "card": PropertyDefinition.objects.create(
            target="client", code="card", label="Card number", type="text", is_sensitive=True
        ),
    }


# --- CRUD -----------------------------------------------------------------------------


def test_create_client_with_every_field(staff, api, props):
    tag, source = Tag.objects.create(name="Key"), Source.objects.create(name="Fair")
    payload = {
        "kind": "company",
        "name": "Acme Trading",
        "legal_name": "Acme Trading LLC",
        "tax_id": "7707083893",
        "legal_form": "LLC",
        "status": "prospect",
        "manager": str(staff.manager1.pk),
        "department": str(staff.sales.pk),
        "source": str(source.pk),
        "tags": [str(tag.pk)],
        "is_confidential": False,
        "notes": "Met at the fair.",
        "phones": [{"value": "+7 495 123-45-67", "type": "work"}],
        "emails": [{"value": "Info@Acme.example", "type": "work"}],
        "websites": [{"value": "acme.example"}],
        "messengers": [{"value": "@acme", "type": "telegram"}],
        "addresses": [
            {"type": "legal", "country": "ru", "city": "Moscow", "street": "Tverskaya 1"}
        ],
        "properties": {"segment": "retail", "employees": "250"},
    }
    response = api(staff.head).post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    client = Client.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/v1/clients/{client.pk}/")
    assert client.created_by == staff.head
    assert body["name"] == "Acme Trading"
    assert body["kind"] == "company"
    assert body["legal_name"] == "Acme Trading LLC"
    assert body["tax_id"] == "7707083893"
    assert body["status"] == str(status("prospect").pk)
    assert body["status_code"] == "prospect"
    assert body["manager"] == str(staff.manager1.pk)
    assert body["department"] == str(staff.sales.pk)
    assert body["source"] == str(source.pk)
    assert body["tags"] == [str(tag.pk)]
    assert body["phones"] == [{"value": "+7 495 123-45-67", "type": "work"}]
    assert body["emails"] == [{"value": "Info@Acme.example", "type": "work"}]
    assert body["websites"] == [{"value": "acme.example", "type": ""}]
    assert body["messengers"] == [{"value": "@acme", "type": "telegram"}]
    assert body["addresses"] == [
        {
            "type": "legal",
            "country": "RU",
            "postal_code": "",
            "region": "",
            "city": "Moscow",
            "street": "Tverskaya 1",
        }
    ]
    assert body["properties"] == {"segment": "retail", "employees": 250}
    assert body["masked"] is False
    assert body["created_at"] and body["updated_at"]
    assert body["deleted_at"] is None
    assert client.status_changes.count() == 1


def test_retrieve_update_and_replace(staff, api, props):
    client = make_client(
        staff.manager1,
        "Old name",
        phones=[{"value": "+74951234567"}],
        properties={"segment": "retail", "employees": 5},
    )
    me = api(staff.manager1)
    assert me.get(detail(client)).json()["name"] == "Old name"

    response = me.patch(detail(client), {"name": "New name", "status": "active"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "New name"
    assert response.json()["status_code"] == "active"
    # PATCH leaves what it does not mention
    assert response.json()["phones"] == [{"value": "+74951234567", "type": ""}]
    assert response.json()["properties"] == {"segment": "retail", "employees": 5}
    client.refresh_from_db()
    assert (client.name, client.search_name, client.status.code) == (
        "New name",
        "new name",
        "active",
    )

    # PUT replaces: omitted lists and properties are cleared
    response = me.put(
        detail(client), {"name": "Put name", "properties": {"employees": 7}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phones"] == []
    assert body["properties"] == {"employees": 7}
    assert body["status"] is None


def test_delete_moves_to_trash_and_restore(staff, api):
    client = make_client(staff.manager1, "Trashy")
    me = api(staff.manager1)
    assert me.delete(detail(client)).status_code == 204
    client.refresh_from_db()
    assert client.deleted_at is not None and client.deleted_by == staff.manager1
    assert me.get(detail(client)).status_code == 404
    assert [c["id"] for c in me.get(URL).json()["results"]] == []
    trashed = me.get(URL, {"trashed": "1"}).json()["results"]
    assert [c["id"] for c in trashed] == [str(client.pk)]
    assert trashed[0]["deleted_at"]

    response = me.post(f"{detail(client)}restore/")
    assert response.status_code == 200, response.content
    assert response.json()["deleted_at"] is None
    client.refresh_from_db()
    assert client.deleted_at is None
    assert me.get(detail(client)).status_code == 200


def test_mass_assignment_of_protected_fields_is_ignored(staff, api):
    import uuid

    forged = uuid.uuid4()
    response = api(staff.manager1).post(
        URL,
        {
            "id": str(forged),
            "name": "Honest",
            "created_by": str(staff.admin.pk),
            "deleted_at": "2020-01-01T00:00:00Z",
            "created_at": "2000-01-01T00:00:00Z",
            "masked": True,
            "search_name": "forged",
        },
        format="json",
    )
    assert response.status_code == 201
    client = Client.objects.get(name="Honest")
    assert client.pk != forged
    assert client.created_by == staff.manager1
    assert client.deleted_at is None
    assert client.created_at.year > 2000
    assert client.search_name == "honest"
    response = api(staff.manager1).patch(
        detail(client),
        {
            "id": str(forged),
            "deleted_at": "2020-01-01T00:00:00Z",
            "created_by": str(staff.admin.pk),
        },
        format="json",
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert client.deleted_at is None and client.created_by == staff.manager1
    assert Client.objects.filter(pk=forged).count() == 0


# --- validation as problem details ----------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "emails": [{"value": "not-an-email"}]}, "emails"),
        ({"name": "X", "phones": [{"value": "call me maybe"}]}, "phones"),
        ({"name": "X", "websites": [{"value": "not a site"}]}, "websites"),
        ({"name": "X", "tax_id": "7707083894"}, "tax_id"),
        ({"name": "X", "tax_id": "DE123"}, "tax_id"),
        ({"name": "X", "properties": {"nonexistent": 1}}, "properties"),
        ({"name": "X", "properties": {"employees": "many"}}, "properties"),
        ({"name": "X", "properties": {"segment": "galactic"}}, "properties"),
        ({"name": "X", "properties": "flat"}, "properties"),
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "X", "kind": "robot"}, "kind"),
        ({"name": "X", "status": "no-such-status"}, "status"),
        ({"name": "X", "manager": "00000000-0000-0000-0000-000000000000"}, "manager"),
        ({"name": "X", "addresses": [{"country": "Russia", "city": "Moscow"}]}, "addresses"),
        ({"name": "X", "emails": "a@b.example"}, "emails"),
    ],
)
def test_invalid_client_answers_problem_naming_the_field(staff, api, props, payload, field):
    response = api(staff.manager1).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 400
    assert problem["title"]
    assert field in problem["fields"]
    assert any(e["field"].startswith(field) and e["message"] for e in problem["errors"])
    assert not Client.objects.exists()


def test_invalid_email_error_names_the_value(staff, api):
    response = api(staff.manager1).post(
        URL,
        {"name": "X", "emails": [{"value": "ok@example.com"}, {"value": "not-an-email"}]},
        format="json",
    )
    problem = response.json()
    assert problem["fields"] == ["emails"]
    assert "#2" in problem["errors"][0]["message"]
    assert "not-an-email" in problem["errors"][0]["message"]


def test_failed_update_changes_nothing(staff, api, props):
    client = make_client(staff.manager1, "Keep", emails=[{"value": "keep@example.com"}])
    response = api(staff.manager1).patch(
        detail(client), {"name": "Changed", "emails": [{"value": "broken"}]}, format="json"
    )
    assert response.status_code == 400
    assert "emails" in response.json()["fields"]
    client.refresh_from_db()
    assert client.name == "Keep"
    assert list(client.contact_points.values_list("value", flat=True)) == ["keep@example.com"]


def test_malformed_json_and_unknown_id(staff, api):
    me = api(staff.manager1)
    response = me.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    response = me.get(f"{URL}01900000-0000-7000-8000-000000000000/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert me.get(f"{URL}not-a-uuid/").status_code == 404


def test_unauthenticated_answers_401_problem(db, api):
    response = api().get(URL)
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    assert response["WWW-Authenticate"] == "Bearer"


# --- pagination and ordering ----------------------------------------------------------


def test_cursor_pagination_walks_every_row_once(staff, api):
    names = [f"Client {i:02d}" for i in range(7)]
    for name in reversed(names):
        make_client(staff.manager1, name)
    me = api(staff.manager1)
    seen, url, pages = [], URL + "?page_size=3", 0
    while url:
        body = me.get(url).json()
        assert "count" not in body  # no COUNT(*) on big tables
        seen += [c["name"] for c in body["results"]]
        url, pages = body["next"], pages + 1
        assert url is None or "cursor=" in url
    assert seen == names
    assert pages == 3


def test_cursor_pagination_with_equal_names(staff, api):
    created = {make_client(staff.manager1, "Same").pk for _ in range(5)}
    me = api(staff.manager1)
    seen, url = [], URL + "?page_size=2"
    while url:
        body = me.get(url).json()
        seen += [c["id"] for c in body["results"]]
        url = body["next"]
    assert len(seen) == 5
    assert {str(pk) for pk in created} == set(seen)


def test_ordering_allow_list(staff, api):
    for name in ("Bravo", "alpha", "Charlie"):
        make_client(staff.manager1, name)
    me = api(staff.manager1)
    names = [c["name"] for c in me.get(URL).json()["results"]]
    assert names == ["alpha", "Bravo", "Charlie"]  # default: by name, case-insensitive
    names = [c["name"] for c in me.get(URL, {"ordering": "-name"}).json()["results"]]
    assert names == ["Charlie", "Bravo", "alpha"]
    names = [c["name"] for c in me.get(URL, {"ordering": "created_at"}).json()["results"]]
    assert names == ["Bravo", "alpha", "Charlie"]
    names = [c["name"] for c in me.get(URL, {"ordering": "-updated_at"}).json()["results"]]
    assert names == ["Charlie", "alpha", "Bravo"]
    for bad in ("tax_id", "manager__username", "notes", "name,created_at"):
        response = me.get(URL, {"ordering": bad})
        assert response.status_code == 400, bad
        assert response.json()["fields"] == ["ordering"]


def test_list_does_a_fixed_number_of_queries(staff, api, props, django_assert_max_num_queries):
    tags = [Tag.objects.create(name=f"t{i}") for i in range(3)]
    me = api(staff.head)  # sees them all; the confidential ones masked
    me.get(URL)  # the token's first use records its last use: not part of the list

    def add(n, start):
        for i in range(start, start + n):
            make_client(
                staff.manager1,
                f"Client {i:03d}",
                tags=tags[: i % 3 + 1],
                is_confidential=i % 4 == 0,
                phones=[{"value": f"+7495{i:07d}"}, {"value": f"+7916{i:07d}"}],
                emails=[{"value": f"c{i}@example.com"}],
                addresses=[{"city": "Moscow"}],
                properties={"card": f"{i}"},
            )

    def count_queries(page_size):
        with CaptureQueriesContext(connection) as ctx:
            response = me.get(URL, {"page_size": page_size})
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == page_size
        assert any(c["masked"] for c in results) and not all(c["masked"] for c in results)
        return len(ctx.captured_queries)

    add(3, 0)
    small = count_queries(3)
    add(47, 3)
    large = count_queries(50)
    assert large == small
    with django_assert_max_num_queries(8):
        me.get(URL, {"page_size": 50, "search": "client", "status": "lead"})


# --- filters --------------------------------------------------------------------------


@pytest.fixture
def spread(staff, props):
    """A few clients of manager1 and manager2 with different attributes."""
    vip_tag, source = Tag.objects.create(name="VIP"), Source.objects.create(name="Web")
    a = make_client(
        staff.manager1,
        "Alpha Foods",
        kind="company",
        status=status("lead"),
        tags=[vip_tag],
        source=source,
        tax_id="7707083893",
        phones=[{"value": "+7 495 123-45-67"}],
        emails=[{"value": "sales@alpha.example"}],
        properties={"segment": "retail", "employees": 10},
    )
    b = make_client(
        staff.manager1,
        "Bravo Parts",
        kind="person",
        status=status("active"),
        is_confidential=True,
        properties={"segment": "wholesale", "employees": 500},
    )
    c = make_client(
        staff.manager2,
        "Charlie Tools",
        status=status("active"),
        manager=staff.manager2,
        properties={"employees": 50},
    )
    d = make_client(staff.admin, "Delta Unassigned")
    return {"a": a, "b": b, "c": c, "d": d, "tag": vip_tag, "source": source}


def names(response):
    assert response.status_code == 200, response.content
    return sorted(c["name"] for c in response.json()["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["a", "b", "c", "d"]),
        ({"manager": "m1"}, ["a", "b"]),
        ({"manager": "m2"}, ["c"]),
        ({"manager": "none"}, ["d"]),
        ({"status": "lead"}, ["a"]),
        ({"status": "active"}, ["b", "c"]),
        ({"status": "active-id"}, ["b", "c"]),
        ({"kind": "person"}, ["b"]),
        ({"tag": "tag"}, ["a"]),
        ({"source": "source"}, ["a"]),
        ({"department": "sales"}, ["a", "b", "c"]),
        ({"is_confidential": "true"}, ["b"]),
        ({"is_confidential": "false"}, ["a", "c", "d"]),
        ({"search": "alpha"}, ["a"]),
        ({"search": "PARTS"}, ["b"]),
        ({"search": "8 (495) 1234567"}, ["a"]),
        ({"search": "+74951234567"}, ["a"]),
        ({"search": "sales@alpha"}, ["a"]),
        ({"search": "7707083893"}, ["a"]),
        ({"search": "nothing like it"}, []),
        ({"prop_segment": "retail"}, ["a"]),
        ({"prop_segment": "wholesale"}, ["b"]),
        ({"prop_employees__gte": "50"}, ["b", "c"]),
        ({"prop_employees__lte": "50"}, ["a", "c"]),
        ({"prop_employees": "500"}, ["b"]),
        ({"status": "active", "manager": "m1", "search": "bravo"}, ["b"]),
    ],
)
def test_filters(staff, api, spread, params, expected):
    lookup = {
        "m1": staff.manager1.pk,
        "m2": staff.manager2.pk,
        "sales": staff.sales.pk,
        "tag": spread["tag"].pk,
        "source": spread["source"].pk,
        "active-id": status("active").pk,
    }
    query = {k: str(lookup.get(v, v)) for k, v in params.items()}
    response = api(staff.admin).get(URL, query)
    assert names(response) == sorted(spread[key].name for key in expected)


def test_manager_me_filter(staff, api, spread):
    assert names(api(staff.head).get(URL, {"manager": "me"})) == []
    assert names(api(staff.manager2).get(URL, {"manager": "me"})) == ["Charlie Tools"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"prop_unknown": "1"}, "prop_unknown"),
        ({"prop_employees__between": "1"}, "prop_employees__between"),
        ({"manager": "someone"}, "manager"),
        ({"status": "no-such-status"}, "status"),
        ({"tag": "x"}, "tag"),
        ({"kind": "robot"}, "kind"),
        ({"is_confidential": "maybe"}, "is_confidential"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(staff, api, spread, params, field):
    response = api(staff.admin).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["fields"] == [field]


# --- batch ----------------------------------------------------------------------------


def test_batch_actions(staff, api, spread):
    me = api(staff.manager1)
    ids = [str(spread[k].pk) for k in ("a", "b", "c", "d")]  # c and d are not manager1's
    tag = Tag.objects.create(name="Batch")

    response = me.post(
        f"{URL}batch/", {"ids": ids, "action": "set_status", "value": "lost"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 2}
    assert set(Client.objects.filter(status__code="lost").values_list("name", flat=True)) == {
        "Alpha Foods",
        "Bravo Parts",
    }

    response = me.post(
        f"{URL}batch/", {"ids": ids, "action": "add_tag", "value": str(tag.pk)}, format="json"
    )
    assert response.json() == {"changed": 2}
    assert set(tag.clients.values_list("name", flat=True)) == {"Alpha Foods", "Bravo Parts"}

    response = me.post(
        f"{URL}batch/", {"ids": ids, "action": "remove_tag", "value": str(tag.pk)}, format="json"
    )
    assert response.json() == {"changed": 2} and not tag.clients.exists()

    response = api(staff.head).post(
        f"{URL}batch/",
        {"ids": ids, "action": "assign_manager", "value": str(staff.manager2.pk)},
        format="json",
    )
    assert response.json() == {"changed": 3}  # the head sees Sales: a, b, c
    assert Client.objects.get(pk=spread["d"].pk).manager is None

    response = api(staff.manager2).post(
        f"{URL}batch/", {"ids": ids[:1], "action": "trash"}, format="json"
    )
    assert response.json() == {"changed": 1}
    assert Client.objects.get(pk=spread["a"].pk).deleted_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": [], "action": "trash"}, "ids"),
        ({"ids": ["x"], "action": "trash"}, "ids"),
        ({"ids": ["01900000-0000-7000-8000-000000000000"], "action": "explode"}, "action"),
        (
            {
                "ids": ["01900000-0000-7000-8000-000000000000"],
                "action": "add_tag",
                "value": "01900000-0000-7000-8000-000000000000",
            },
            "value",
        ),
        (
            {
                "ids": ["01900000-0000-7000-8000-000000000000"],
                "action": "set_status",
                "value": "nope",
            },
            "value",
        ),
        (
            {
                "ids": ["01900000-0000-7000-8000-000000000000"],
                "action": "assign_manager",
                "value": "nobody",
            },
            "value",
        ),
    ],
)
def test_batch_validation(staff, api, payload, field):
    response = api(staff.manager1).post(f"{URL}batch/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


# --- VIP masking ----------------------------------------------------------------------


def test_masked_client_hides_details_and_ignores_writes_to_them(staff, api, props):
    vip = make_client(
        staff.manager2,
        "Secret Co",
        is_confidential=True,
        phones=[{"value": "+74951112233"}],
        emails=[{"value": "vip@example.com"}],
        addresses=[{"city": "Moscow"}],
        properties={"card": "4111", "segment": "retail"},
    )
    ClientShare.objects.create(client=vip, user=staff.manager1)
    body = api(staff.manager1).get(detail(vip)).json()
    assert body["masked"] is True
    assert body["phones"] == body["emails"] == body["addresses"] == []
    assert body["websites"] == body["messengers"] == []
    assert body["properties"] == {"segment": "retail"}
    assert body["name"] == "Secret Co"

    response = api(staff.manager1).put(
        detail(vip),
        {
            "name": "Secret Co",
            "is_confidential": True,
            "manager": str(staff.manager2.pk),
            "status": "lead",
            "phones": [],
            "properties": {"segment": "wholesale", "card": "0"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    vip.refresh_from_db()
    assert set(vip.contact_points.values_list("value", flat=True)) == {
        "vip@example.com",
        "+74951112233",
    }
    assert vip.addresses.count() == 1
    assert vip.properties == {"card": "4111", "segment": "wholesale"}

    owner = api(staff.manager2).get(detail(vip)).json()
    assert owner["masked"] is False
    assert owner["phones"] == [{"value": "+74951112233", "type": ""}]
    assert owner["properties"]["card"] == "4111"
