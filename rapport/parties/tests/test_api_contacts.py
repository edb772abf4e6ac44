"""API of contact persons: CRUD, roles at clients, validation, filters, masking."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core.models import PropertyDefinition
from rapport.parties import services
from rapport.parties.models import ContactPerson, ContactRole

PROBLEM = "application/problem+json"
URL = "/api/v1/contacts/"


def detail(contact):
    return f"{URL}{contact.pk}/"


@pytest.fixture
def clients(staff):
    return {
        "own": services.client_create(actor=staff.manager1, name="Own Co"),
        "other": services.client_create(actor=staff.manager1, name="Other Co"),
        "service": services.client_create(actor=staff.manager3, name="Service Co"),
    }


def test_create_contact_with_clients_and_position(staff, api, clients):
    PropertyDefinition.objects.create(target="contact", code="hobby", label="Hobby", type="text")
    response = api(staff.manager1).post(
        URL,
        {
            "first_name": "Anna",
            "middle_name": "S.",
            "last_name": "Petrova",
            "birthday": "1990-05-17",
            "preferred_channel": "email",
            "clients": [str(clients["own"].pk)],
            "position": "CFO",
            "phones": [{"value": "+7 916 555-44-33", "type": "mobile"}],
            "emails": [{"value": "anna@own.example"}],
            "messengers": [{"value": "@anna", "type": "telegram"}],
            "addresses": [{"city": "Kazan"}],
            "properties": {"hobby": "chess"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    contact = ContactPerson.objects.get(pk=body["id"])
    assert contact.created_by == staff.manager1
    assert body["full_name"] == "Petrova Anna S."
    assert body["birthday"] == "1990-05-17"
    assert body["clients"] == [str(clients["own"].pk)]
    assert body["position"] == "CFO"
    assert body["roles"] == [
        {"client": str(clients["own"].pk), "position": "CFO", "role": "", "is_primary": False}
    ]
    assert body["phones"] == [{"value": "+7 916 555-44-33", "type": "mobile"}]
    assert body["emails"] == [{"value": "anna@own.example", "type": ""}]
    assert body["messengers"] == [{"value": "@anna", "type": "telegram"}]
    assert body["addresses"][0]["city"] == "Kazan"
    assert body["properties"] == {"hobby": "chess"}
    assert body["masked"] is False


def test_update_roles_and_delete(staff, api, clients):
    me = api(staff.manager1)
    contact = services.contact_create(
        actor=staff.manager1,
        last_name="Ivanov",
        roles=[{"client": clients["own"].pk, "position": "CEO"}],
    )
    response = me.patch(
        detail(contact),
        {
            "roles": [
                {
                    "client": str(clients["own"].pk),
                    "position": "Chairman",
                    "role": "decides",
                    "is_primary": True,
                },
                {"client": str(clients["other"].pk), "position": "Adviser"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["roles"][0] == {
        "client": str(clients["own"].pk),
        "position": "Chairman",
        "role": "decides",
        "is_primary": True,
    }
    assert {r["client"] for r in body["roles"]} == {
        str(clients["own"].pk),
        str(clients["other"].pk),
    }
    assert body["position"] == "Chairman"
    assert (
        me.patch(detail(contact), {"first_name": "Ivan"}, format="json").json()["full_name"]
        == "Ivanov Ivan"
    )
    assert ContactRole.objects.filter(contact=contact).count() == 2  # untouched by PATCH

    assert me.delete(detail(contact)).status_code == 204
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert me.get(detail(contact)).status_code == 404
    assert me.get(URL).json()["results"] == []


def test_roles_at_clients_out_of_scope_are_neither_shown_nor_changed(staff, api, clients):
    contact = services.contact_create(
        actor=staff.admin,
        last_name="Both",
        roles=[
            {"client": clients["own"].pk, "position": "A"},
            {"client": clients["service"].pk, "position": "B"},
        ],
    )
    me = api(staff.manager1)
    body = me.get(detail(contact)).json()
    assert body["clients"] == [str(clients["own"].pk)]
    assert [r["position"] for r in body["roles"]] == ["A"]
    # replacing roles keeps the link the caller cannot see
    response = me.patch(detail(contact), {"clients": [str(clients["other"].pk)]}, format="json")
    assert response.status_code == 200, response.content
    assert set(
        ContactRole.objects.filter(contact=contact).values_list("client__name", flat=True)
    ) == {"Other Co", "Service Co"}
    # linking to a client out of scope is refused, naming the field
    response = me.patch(detail(contact), {"clients": [str(clients["service"].pk)]}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == ["clients"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"last_name": "X", "emails": [{"value": "not-an-email"}]}, "emails"),
        ({"last_name": "X", "phones": [{"value": "abc"}]}, "phones"),
        ({"last_name": ""}, "last_name"),
        ({"last_name": "X", "birthday": "17.05.1990"}, "birthday"),
        ({"last_name": "X", "properties": {"nope": 1}}, "properties"),
        ({"last_name": "X", "clients": ["not-an-id"]}, "clients"),
        ({"last_name": "X", "clients": ["01900000-0000-7000-8000-000000000000"]}, "clients"),
        ({"last_name": "X", "preferred_channel": "pigeon"}, "preferred_channel"),
    ],
)
def test_invalid_contact_answers_problem_naming_the_field(staff, api, payload, field):
    response = api(staff.manager1).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert field in response.json()["fields"]
    assert not ContactPerson.objects.exists()


def test_filters_search_by_phone_and_client(staff, api, clients):
    a = services.contact_create(
        actor=staff.manager1,
        last_name="Smirnov",
        roles=[{"client": clients["own"].pk}],
        phones=[{"value": "+7 916 123-45-67"}],
    )
    b = services.contact_create(
        actor=staff.manager1,
        last_name="Kuznetsova",
        roles=[{"client": clients["other"].pk}],
        emails=[{"value": "k@other.example"}],
    )
    me = api(staff.manager1)

    def ids(params):
        response = me.get(URL, params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids({}) == [str(b.pk), str(a.pk)]  # by name
    assert ids({"search": "8 916 1234567"}) == [str(a.pk)]
    assert ids({"search": "smirn"}) == [str(a.pk)]
    assert ids({"search": "k@other"}) == [str(b.pk)]
    assert ids({"client": str(clients["other"].pk)}) == [str(b.pk)]
    assert ids({"ordering": "-name"}) == [str(a.pk), str(b.pk)]
    assert me.get(URL, {"client": "x"}).status_code == 400
    assert me.get(URL, {"prop_unknown": "1"}).status_code == 400


def test_contact_property_filter(staff, api, clients):
    PropertyDefinition.objects.create(
        target="contact", code="decision_maker", label="Decision maker", type="boolean"
    )
    yes = services.contact_create(
        actor=staff.manager1,
        last_name="Yes",
        roles=[{"client": clients["own"].pk}],
        properties={"decision_maker": True},
    )
    services.contact_create(
        actor=staff.manager1,
        last_name="No",
        roles=[{"client": clients["own"].pk}],
        properties={"decision_maker": False},
    )
    response = api(staff.manager1).get(URL, {"prop_decision_maker": "true"})
    assert [c["id"] for c in response.json()["results"]] == [str(yes.pk)]


def test_contact_with_several_clients_is_listed_once(staff, api, clients):
    contact = services.contact_create(
        actor=staff.manager1,
        last_name="Many",
        roles=[{"client": clients["own"].pk}, {"client": clients["other"].pk}],
    )
    for user in (staff.manager1, staff.head, staff.admin):
        results = api(user).get(URL).json()["results"]
        assert [c["id"] for c in results] == [str(contact.pk)], user.username


def test_contact_list_does_a_fixed_number_of_queries(staff, api, clients):
    me = api(staff.manager1)
    me.get(URL)

    def add(n, start):
        for i in range(start, start + n):
            services.contact_create(
                actor=staff.manager1,
                last_name=f"Person {i:03d}",
                roles=[{"client": clients["own"].pk}, {"client": clients["other"].pk}],
                phones=[{"value": f"+7916{i:07d}"}],
                emails=[{"value": f"p{i}@example.com"}],
            )

    def count(page_size):
        with CaptureQueriesContext(connection) as ctx:
            response = me.get(URL, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(ctx.captured_queries)

    add(2, 0)
    small = count(2)
    add(30, 2)
    assert count(30) == small


def test_contact_of_confidential_client_is_masked(staff, api):
    PropertyDefinition.objects.create(
        target="contact", code="passport", label="Passport", type="text", is_sensitive=True
    )
    vip = services.client_create(actor=staff.manager2, name="VIP", is_confidential=True)
    contact = services.contact_create(
        actor=staff.manager2,
        last_name="Hidden",
        roles=[{"client": vip.pk, "position": "Owner"}],
        phones=[{"value": "+74950000001"}],
        properties={"passport": "1234"},
    )
    head = api(staff.head).get(detail(contact)).json()
    assert head["masked"] is True
    assert head["phones"] == head["emails"] == head["messengers"] == head["addresses"] == []
    assert head["properties"] == {}
    assert head["position"] == "Owner"
    # a write of the hidden fields by someone who cannot see them changes nothing
    response = api(staff.head).patch(
        detail(contact),
        {"phones": [], "properties": {"passport": "0"}, "first_name": "Visible"},
        format="json",
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.first_name == "Visible"
    assert contact.properties == {"passport": "1234"}
    assert contact.contact_points.count() == 1

    owner = api(staff.manager2).get(detail(contact)).json()
    assert owner["masked"] is False
    assert owner["phones"] == [{"value": "+74950000001", "type": ""}]
    assert owner["properties"] == {"passport": "1234"}
