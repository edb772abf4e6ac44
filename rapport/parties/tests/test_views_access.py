"""Every client-base page × every role: out-of-scope records answer 404 and stay unchanged,
read-only users see no write controls and are refused on POST, confidential (VIP) clients
hide their contact details."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.core.tests.factories import UserFactory
from rapport.parties import services
from rapport.parties.models import (
    Client,
    ClientRelation,
    ClientShare,
    ContactPerson,
    RelationshipStatus,
    RelationType,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The staff fixture sets passwords; these tests log in with force_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROLES = ["admin", "director", "head", "manager1", "manager2", "manager3", "viewer", "viewer_sales"]
# Client "service" belongs to manager3 (Service); client "sales" to manager1 (Sales).
SEES = {
    "service": {"admin", "director", "manager3", "viewer"},
    "sales": {"admin", "director", "head", "manager1", "viewer", "viewer_sales"},
}
WRITERS = {"admin", "director", "head", "manager1", "manager2", "manager3"}


@pytest.fixture
def world(staff):
    service = services.client_create(
        actor=staff.admin,
        name="Service Client",
        manager=staff.manager3,
        phones=[{"value": "+7 495 100-00-01", "type": "work"}],
    )
    sales = services.client_create(actor=staff.admin, name="Sales Client", manager=staff.manager1)
    contact = services.contact_create(
        actor=staff.admin, last_name="Servicemann", roles=[{"client": service, "position": "CEO"}]
    )
    return {"service": service, "sales": sales, "contact": contact}


def snapshot():
    return (
        sorted(Client.objects.values_list("name", "deleted_at", "status_id", "manager_id")),
        ClientShare.objects.count(),
        ClientRelation.objects.count(),
        sorted(ContactPerson.objects.values_list("last_name", "deleted_at")),
    )


def client_pages(pk):
    return {
        "detail": reverse("parties:client_detail", args=[pk]),
        "edit": reverse("parties:client_edit", args=[pk]),
        "history": reverse("parties:client_history", args=[pk]),
    }


def client_posts(pk, staff, other_pk):
    lost = RelationshipStatus.objects.get(code="lost")
    return {
        reverse("parties:client_edit", args=[pk]): {
            "kind": "company",
            "name": "Hacked",
            "status": lost.pk,
        },
        reverse("parties:client_trash", args=[pk]): {},
        reverse("parties:client_share", args=[pk]): {"user": staff.manager2.pk},
        reverse("parties:client_unshare", args=[pk, staff.manager2.pk]): {},
        reverse("parties:relation_add", args=[pk]): {
            "to_client": other_pk,
            "type": RelationType.objects.first().pk,
        },
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["service", "sales"])
def test_client_pages_by_role(staff, world, client, role, which):
    user = getattr(staff, role)
    record = world[which]
    other = world["sales" if which == "service" else "service"]
    client.force_login(user)
    sees = role in SEES[which]
    writes = sees and role in WRITERS
    before = snapshot()
    for name, url in client_pages(record.pk).items():
        expected = 200 if sees else 404
        if name == "edit" and sees and not writes:
            expected = 403
        assert client.get(url).status_code == expected, (role, which, name)
    # the list, search, lookup and duplicate check never reveal it
    link = f'data-testid="client-link">{record.name}<'
    assert (link in client.get("/clients/").content.decode()) == sees
    assert (link in client.get("/clients/", {"q": record.name}).content.decode()) == sees
    lookup = client.get(reverse("parties:client_lookup"), {"q": record.name}).json()["results"]
    assert bool(lookup) == sees
    dupes = client.get(reverse("parties:client_duplicates"), {"name": record.name})
    assert (record.name in dupes.content.decode()) == sees
    # every write is refused unless the role may write the record
    for url, data in client_posts(record.pk, staff, other.pk).items():
        response = client.post(url, data)
        if not sees:
            assert response.status_code == 404, (role, which, url)
        elif not writes:
            assert response.status_code == 403, (role, which, url)
        if not writes:
            assert snapshot() == before, (role, which, url)


@pytest.mark.parametrize("role", ROLES)
def test_contact_pages_by_role(staff, world, client, role):
    contact = world["contact"]
    client.force_login(getattr(staff, role))
    sees = role in SEES["service"]
    writes = sees and role in WRITERS
    before = snapshot()
    assert client.get(reverse("parties:contact_detail", args=[contact.pk])).status_code == (
        200 if sees else 404
    )
    edit = client.get(reverse("parties:contact_edit", args=[contact.pk])).status_code
    assert edit == (200 if writes else 403 if sees else 404)
    assert ("Servicemann" in client.get("/contacts/").content.decode()) == sees
    for url in (
        reverse("parties:contact_edit", args=[contact.pk]),
        reverse("parties:contact_trash", args=[contact.pk]),
    ):
        response = client.post(url, {"last_name": "Hacked"})
        if not writes:
            assert response.status_code == (403 if sees else 404), (role, url)
            assert snapshot() == before


@pytest.mark.parametrize("role", ["viewer", "viewer_sales"])
def test_read_only_users_see_no_write_controls_and_cannot_post(staff, world, client, role):
    client.force_login(getattr(staff, role))
    record = world["sales"]
    before = snapshot()
    listing = client.get("/clients/").content.decode()
    for marker in ('data-testid="batch-controls"', 'data-testid="client-new"', 'name="ids"'):
        assert marker not in listing
    card = client.get(reverse("parties:client_detail", args=[record.pk])).content.decode()
    for marker in (
        'data-testid="client-edit"',
        'data-testid="client-trash"',
        'data-testid="client-share"',
        'data-testid="contact-add"',
        'data-testid="relation-form"',
    ):
        assert marker not in card
    assert 'data-testid="contact-new"' not in client.get("/contacts/").content.decode()
    assert client.get(reverse("parties:client_create")).status_code == 403
    assert (
        client.post(
            reverse("parties:client_create"), {"kind": "company", "name": "New"}
        ).status_code
        == 403
    )
    assert client.get(reverse("parties:contact_create")).status_code == 403
    assert client.post(reverse("parties:contact_create"), {"last_name": "New"}).status_code == 403
    assert (
        client.post(
            reverse("parties:client_batch"), {"ids": [record.pk], "action": "trash"}
        ).status_code
        == 403
    )
    assert snapshot() == before


def test_contact_linked_to_two_clients_is_one_row(staff, world, client):
    """A contact person at two visible clients shows once and opens (not a 500)."""
    second = services.client_create(actor=staff.admin, name="Second", manager=staff.manager3)
    services.contact_update(
        actor=staff.admin,
        contact=world["contact"],
        roles=[{"client": world["service"]}, {"client": second}],
    )
    client.force_login(staff.manager3)
    listing = client.get("/contacts/").content.decode()
    assert listing.count('data-testid="contact-link"') == 1
    detail = client.get(reverse("parties:contact_detail", args=[world["contact"].pk]))
    assert detail.status_code == 200


# --- confidential (VIP) clients -----------------------------------------------------------


@pytest.fixture
def vip(staff):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="bank_account",
        label="Bank account",
        type=PropertyType.TEXT,
        is_sensitive=True,
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="industry", label="Industry", type=PropertyType.TEXT
    )
    record = services.client_create(
        actor=staff.admin,
        name="Very Important",
        manager=staff.manager1,
        is_confidential=True,
        phones=[{"value": "+7 495 777-77-77", "type": "work"}],
        emails=[{"value": "boss@vip.example", "type": "work"}],
        addresses=[{"type": "legal", "city": "Secretville"}],
        properties={"bank_account": "40702810900000000001", "industry": "Banking"},
    )
    services.contact_create(
        actor=staff.admin,
        last_name="Insider",
        roles=[{"client": record}],
        phones=[{"value": "+7 916 555-55-55"}],
    )
    services.client_share(actor=staff.admin, client=record, user=staff.manager2)
    return record


SECRETS = (
    "+7 495 777-77-77",
    "boss@vip.example",
    "Secretville",
    "40702810900000000001",
    "+7 916 555-55-55",
)


@pytest.mark.parametrize(
    "role,expected",
    [
        ("admin", "shown"),
        ("director", "shown"),
        ("manager1", "shown"),
        ("granted", "shown"),
        ("head", "masked"),
        ("viewer", "masked"),
        ("viewer_sales", "masked"),
        ("manager2", "masked"),  # shared with them, but not their client
        ("manager3", "absent"),
    ],
)
def test_vip_masking_on_list_card_and_contacts(staff, vip, client, role, expected):
    user = (
        UserFactory(role="readonly", sees_confidential=True)
        if role == "granted"
        else getattr(staff, role)
    )
    client.force_login(user)
    pages = {
        "list": client.get("/clients/").content.decode(),
        "card": client.get(reverse("parties:client_detail", args=[vip.pk])),
        "history": client.get(reverse("parties:client_history", args=[vip.pk])),
        "contacts": client.get("/contacts/").content.decode(),
    }
    if expected == "absent":
        assert "Very Important" not in pages["list"]
        assert pages["card"].status_code == 404 and pages["history"].status_code == 404
        return
    card = pages["card"].content.decode()
    history = pages["history"].content.decode()
    assert "Very Important" in pages["list"] and "Banking" in card
    assert "Insider" in pages["contacts"]
    everything = pages["list"] + card + history + pages["contacts"]
    if expected == "shown":
        for secret in SECRETS:
            assert secret in everything, secret
        assert 'data-testid="details-hidden"' not in card
    else:
        for secret in SECRETS:
            assert secret not in everything, secret
        assert 'data-testid="masked"' in pages["list"]
        assert 'data-testid="details-hidden"' in card
        assert "hidden: confidential client" in card


def test_head_editing_a_vip_client_keeps_what_is_hidden(staff, vip, client):
    client.force_login(staff.head)
    form = client.get(reverse("parties:client_edit", args=[vip.pk])).content.decode()
    assert "+7 495 777-77-77" not in form and "40702810900000000001" not in form
    response = client.post(
        reverse("parties:client_edit", args=[vip.pk]),
        {
            "kind": "company",
            "name": "Very Important Renamed",
            "is_confidential": "on",
            "prop_industry": "Banking",
        },
    )
    assert response.status_code == 302
    vip.refresh_from_db()
    assert vip.name == "Very Important Renamed"
    assert vip.properties["bank_account"] == "40702810900000000001"
    assert vip.contact_points.count() == 2 and vip.addresses.count() == 1
