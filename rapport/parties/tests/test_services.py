"""Services of the client base: every write, its rules and what it leaves in the database."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.core import access
from rapport.core.models import AuditLog, PropertyDefinition, PropertyTarget, PropertyType
from rapport.parties import services
from rapport.parties.models import (
    Client,
    ClientShare,
    ContactPerson,
    ContactPoint,
    ContactRole,
    RelationshipStatus,
    StatusChange,
    Tag,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses():
    return {s.code: s for s in RelationshipStatus.objects.all()}


@pytest.fixture
def props():
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="industry",
        label="Industry",
        type=PropertyType.CHOICE,
        choices=["IT", "Retail", "Energy"],
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="employees", label="Employees", type=PropertyType.NUMBER
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CONTACT, code="hobby", label="Hobby", type=PropertyType.TEXT
    )


def counts():
    """Row counts of everything a client write may touch."""
    return {
        "clients": Client.objects.count(),
        "history": Client.history.count(),
        "points": ContactPoint.objects.count(),
        "point_history": ContactPoint.history.count(),
        "status_changes": StatusChange.objects.count(),
        "contacts": ContactPerson.objects.count(),
        "roles": ContactRole.objects.count(),
        "shares": ClientShare.objects.count(),
    }


def make_client(actor, **kwargs):
    kwargs.setdefault("name", "ООО «Ромашка»")
    return services.client_create(actor=actor, **kwargs)


# --- client_create --------------------------------------------------------------------


def test_client_create_normalises_contact_details_and_records_the_first_status(
    staff, statuses, props
):
    client = make_client(
        staff.manager1,
        status=statuses["lead"],
        tax_id="77 07 08 38 93",
        phones=[{"value": "8 (495) 123-45-67", "type": "work"}, {"value": "+7 495 1234567"}],
        emails=[{"value": "Info@Romashka.RU", "type": "work"}],
        properties={"industry": "IT", "employees": "120"},
    )
    client.refresh_from_db()
    assert client.manager == staff.manager1  # a manager's new client is their own
    assert client.department == staff.sales
    assert client.search_name == "ооо «ромашка»"
    assert client.tax_id == "7707083893"
    assert client.properties == {"industry": "IT", "employees": 120}
    points = list(
        client.contact_points.order_by("channel", "position").values_list(
            "channel", "value", "normalized"
        )
    )
    # The same number typed twice is kept once, as first typed.
    assert points == [
        ("email", "Info@Romashka.RU", "info@romashka.ru"),
        ("phone", "8 (495) 123-45-67", "+74951234567"),
    ]
    change = StatusChange.objects.get(client=client)
    assert (change.old_status, change.new_status, change.changed_by) == (
        None,
        statuses["lead"],
        staff.manager1,
    )
    assert client.history.get().history_user == staff.manager1


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"tax_id": "7707083894"}, "tax_id", "checksum"),
        ({"name": "  "}, "name", "needs a name"),
        ({"emails": [{"value": "ok@example.com"}, {"value": "not-an-address"}]}, "emails", "#2:"),
        ({"phones": [{"value": "12"}]}, "phones", "#1:"),
        ({"properties": {"industry": "Farming"}}, "properties.industry", "not one of the choices"),
        ({"properties": {"unknown": "x"}}, "properties.unknown", "Unknown property"),
        ({"kind": "robot"}, "kind", "company"),
    ],
)
def test_client_create_names_the_bad_field_and_writes_nothing(staff, props, kwargs, field, text):
    before = counts()
    with pytest.raises(ValidationError) as info:
        make_client(staff.manager1, **{"phones": [{"value": "+7 495 123 45 67"}], **kwargs})
    assert field in info.value.message_dict
    assert text in " ".join(info.value.message_dict[field])
    assert counts() == before


def test_read_only_users_create_nothing(staff):
    before = counts()
    with pytest.raises(PermissionDenied):
        make_client(staff.viewer)
    assert counts() == before


# --- client_update --------------------------------------------------------------------


def test_client_update_syncs_contact_points_keeping_their_history(staff):
    client = make_client(
        staff.manager1,
        phones=[{"value": "+7 495 123-45-67", "type": "work"}, {"value": "+7 916 000-00-01"}],
        emails=[{"value": "a@example.com"}],
    )
    kept = client.contact_points.get(normalized="+74951234567")
    dropped = client.contact_points.get(normalized="+79160000001")
    services.client_update(
        actor=staff.manager1,
        client=client,
        phones=[{"value": "8 495 1234567", "type": "office"}, {"value": "+48 601 234 567"}],
    )
    # The number typed in another format is the same row, updated, not replaced.
    kept.refresh_from_db()
    assert (kept.value, kept.type) == ("8 495 1234567", "office")
    assert not ContactPoint.objects.filter(pk=dropped.pk).exists()
    assert client.contact_points.filter(normalized="+48601234567").exists()
    # E-mails were not given: they stay.
    assert client.contact_points.filter(channel="email").count() == 1
    assert list(
        ContactPoint.history.filter(id=kept.pk)
        .order_by("history_date")
        .values_list("history_type", "value")
    ) == [("+", "+7 495 123-45-67"), ("~", "8 495 1234567")]
    deleted = ContactPoint.history.get(id=dropped.pk, history_type="-")
    assert deleted.history_user == staff.manager1


def test_client_update_records_status_changes_only_when_the_status_changes(staff, statuses):
    client = make_client(staff.manager1, status=statuses["lead"])
    services.client_update(actor=staff.manager1, client=client, status=statuses["active"])
    services.client_update(
        actor=staff.manager1, client=client, status=statuses["active"], notes="same status"
    )
    services.client_update(actor=staff.manager1, client=client, notes="no status given")
    timeline = list(
        StatusChange.objects.filter(client=client)
        .order_by("changed_at")
        .values_list("old_status__code", "new_status__code", "changed_by")
    )
    assert timeline == [(None, "lead", staff.manager1.pk), ("lead", "active", staff.manager1.pk)]


def test_client_update_merges_properties_and_none_removes_one(staff, props):
    client = make_client(staff.manager1, properties={"industry": "IT", "employees": 5})
    services.client_update(actor=staff.manager1, client=client, properties={"employees": 10})
    client.refresh_from_db()
    assert client.properties == {"industry": "IT", "employees": 10}
    services.client_update(actor=staff.manager1, client=client, properties={"industry": None})
    client.refresh_from_db()
    assert client.properties == {"employees": 10}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"properties": {"employees": "many"}, "name": "Renamed"}, "properties.employees"),
        ({"tax_id": "5260250994", "name": "Renamed"}, "tax_id"),
        ({"emails": [{"value": "bad@"}], "name": "Renamed"}, "emails"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_refused_update_changes_nothing(staff, props, changes, field):
    client = make_client(
        staff.manager1, properties={"employees": 5}, emails=[{"value": "a@example.com"}]
    )
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.client_update(actor=staff.manager1, client=client, **changes)
    assert field in info.value.message_dict
    assert counts() == before
    fresh = Client.objects.get(pk=client.pk)
    assert (fresh.name, fresh.properties, fresh.tax_id) == ("ООО «Ромашка»", {"employees": 5}, "")


@pytest.mark.parametrize("who", ["manager2", "manager3", "viewer"])
def test_only_those_who_may_edit_update_a_client(staff, who):
    client = make_client(staff.manager1)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.client_update(actor=getattr(staff, who), client=client, name="Hacked")
    assert counts() == before
    assert Client.objects.get(pk=client.pk).name == "ООО «Ромашка»"


def test_head_of_department_updates_the_departments_clients(staff):
    client = make_client(staff.manager1)
    services.client_update(actor=staff.head, client=client, name="Ромашка Плюс")
    client.refresh_from_db()
    assert (client.name, client.search_name) == ("Ромашка Плюс", "ромашка плюс")


# --- batch, sharing -------------------------------------------------------------------


def test_clients_batch_acts_only_within_the_actors_scope(staff, statuses):
    own = make_client(staff.manager1, name="Own", status=statuses["lead"])
    other = make_client(staff.manager2, name="Other", status=statuses["lead"])
    changed = services.clients_batch(
        actor=staff.manager1,
        client_ids=[own.pk, other.pk],
        action="set_status",
        value=statuses["active"],
    )
    assert changed == 1
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.status == statuses["active"]
    assert other.status == statuses["lead"]
    assert StatusChange.objects.filter(client=other).count() == 1


def test_clients_batch_assigns_a_manager_with_the_managers_department(staff):
    a = make_client(staff.manager1, name="A")
    b = make_client(staff.manager2, name="B")
    assert (
        services.clients_batch(
            actor=staff.head, client_ids=[a.pk, b.pk], action="assign_manager", value=staff.manager3
        )
        == 2
    )
    for client in (a, b):
        client.refresh_from_db()
        assert (client.manager, client.department) == (staff.manager3, staff.service)


def test_clients_batch_tags_and_trash(staff):
    tag = Tag.objects.create(name="Wholesale")
    a, b = make_client(staff.manager1, name="A"), make_client(staff.manager1, name="B")
    services.clients_batch(
        actor=staff.manager1, client_ids=[a.pk, b.pk], action="add_tag", value=tag
    )
    assert set(tag.clients.values_list("pk", flat=True)) == {a.pk, b.pk}
    services.clients_batch(actor=staff.manager1, client_ids=[a.pk], action="trash")
    assert list(access.visible_to(staff.manager1, Client)) == [b]


def test_clients_batch_rejects_unknown_actions_and_read_only_users(staff):
    a = make_client(staff.manager1)
    with pytest.raises(ValidationError):
        services.clients_batch(actor=staff.manager1, client_ids=[a.pk], action="explode")
    with pytest.raises(PermissionDenied):
        services.clients_batch(actor=staff.viewer, client_ids=[a.pk], action="trash")
    assert Client.objects.get(pk=a.pk).deleted_at is None


def test_client_share_makes_a_client_visible_to_another_manager(staff):
    client = make_client(staff.manager1)
    assert not access.visible_to(staff.manager3, Client).filter(pk=client.pk).exists()
    services.client_share(actor=staff.manager1, client=client, user=staff.manager3)
    assert access.visible_to(staff.manager3, Client).filter(pk=client.pk).exists()
    assert AuditLog.objects.filter(event="permission_change", actor=staff.manager1).exists()
    services.client_unshare(actor=staff.manager1, client=client, user=staff.manager3)
    assert not access.visible_to(staff.manager3, Client).filter(pk=client.pk).exists()


def test_a_manager_cannot_share_a_client_they_do_not_own(staff):
    client = make_client(staff.manager1)
    with pytest.raises(PermissionDenied):
        services.client_share(actor=staff.manager2, client=client, user=staff.manager2)
    assert not ClientShare.objects.exists()


# --- trash ----------------------------------------------------------------------------


def test_trash_restore_and_purge_rules(staff):
    client = make_client(staff.manager1)
    with pytest.raises(PermissionDenied):
        services.client_trash(actor=staff.manager2, client=client)
    services.client_trash(actor=staff.manager1, client=client)
    assert not access.visible_to(staff.manager1, Client).exists()
    assert (
        access.visible_to(staff.manager1, Client, include_trashed=True)
        .filter(pk=client.pk)
        .exists()
    )
    assert client.history.latest().history_user == staff.manager1

    services.client_restore(actor=staff.manager1, client=client)
    assert access.visible_to(staff.manager1, Client).filter(pk=client.pk).exists()

    with pytest.raises(ValidationError):  # only what is in the trash is purged
        services.client_purge(actor=staff.admin, client=client)
    services.client_trash(actor=staff.manager1, client=client)
    for not_admin in (staff.manager1, staff.director, staff.head):
        with pytest.raises(PermissionDenied):
            services.client_purge(actor=not_admin, client=client)
    assert Client.objects.filter(pk=client.pk).exists()
    services.client_purge(actor=staff.admin, client=client)
    assert not Client.objects.filter(pk=client.pk).exists()
    assert not ContactPoint.objects.filter(client_id=client.pk).exists()
    assert AuditLog.objects.filter(event="purge", actor=staff.admin).exists()


def test_a_manager_cannot_restore_another_managers_client(staff):
    client = make_client(staff.manager1)
    services.client_trash(actor=staff.manager1, client=client)
    with pytest.raises(PermissionDenied):
        services.client_restore(actor=staff.manager2, client=client)
    assert Client.objects.get(pk=client.pk).deleted_at is not None


# --- contact persons ------------------------------------------------------------------


def test_contact_create_with_roles_and_contact_details(staff, props):
    client = make_client(staff.manager1)
    contact = services.contact_create(
        actor=staff.manager1,
        last_name="Петров",
        first_name="Иван",
        roles=[{"client": client, "position": "Директор", "role": "ЛПР", "is_primary": True}],
        phones=[{"value": "8 916 123-45-67"}],
        emails=[{"value": "Petrov@Example.com"}],
        properties={"hobby": "chess"},
    )
    assert contact.search_name == "петров иван"
    role = ContactRole.objects.get(contact=contact)
    assert (role.client, role.position, role.role, role.is_primary) == (
        client,
        "Директор",
        "ЛПР",
        True,
    )
    assert set(contact.contact_points.values_list("normalized", flat=True)) == {
        "+79161234567",
        "petrov@example.com",
    }
    assert contact.properties == {"hobby": "chess"}


def test_contact_create_refuses_a_role_at_a_client_the_actor_cannot_see(staff):
    hidden = make_client(staff.manager2)
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.contact_create(
            actor=staff.manager1, last_name="Petrov", roles=[{"client": hidden}]
        )
    assert "clients" in info.value.message_dict
    assert counts() == before


def test_contact_update_leaves_links_to_clients_the_actor_cannot_see(staff):
    mine = make_client(staff.manager1, name="Mine")
    theirs = make_client(staff.manager3, name="Theirs")
    contact = services.contact_create(
        actor=staff.admin,
        last_name="Smith",
        roles=[{"client": mine, "position": "Buyer"}, {"client": theirs, "position": "CEO"}],
    )
    services.contact_update(
        actor=staff.manager1, contact=contact, roles=[{"client": mine, "position": "Chief buyer"}]
    )
    roles = dict(ContactRole.objects.filter(contact=contact).values_list("client", "position"))
    assert roles == {mine.pk: "Chief buyer", theirs.pk: "CEO"}
    # An empty list drops only the links the actor can see.
    services.contact_update(actor=staff.manager1, contact=contact, roles=[])
    assert list(ContactRole.objects.filter(contact=contact).values_list("client", flat=True)) == [
        theirs.pk
    ]


def test_contact_update_by_someone_who_cannot_see_it_is_refused(staff):
    client = make_client(staff.manager1)
    contact = services.contact_create(
        actor=staff.manager1, last_name="Smith", roles=[{"client": client}]
    )
    with pytest.raises(PermissionDenied):
        services.contact_update(actor=staff.manager3, contact=contact, last_name="Jones")
    contact.refresh_from_db()
    assert contact.last_name == "Smith"


def test_contact_update_refused_on_bad_input_writes_nothing(staff):
    client = make_client(staff.manager1)
    contact = services.contact_create(
        actor=staff.manager1,
        last_name="Smith",
        roles=[{"client": client}],
        phones=[{"value": "+48 601 234 567"}],
    )
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.contact_update(
            actor=staff.manager1, contact=contact, last_name="Jones", phones=[{"value": "call me"}]
        )
    assert "phones" in info.value.message_dict
    assert counts() == before
    contact.refresh_from_db()
    assert contact.last_name == "Smith"


# --- rules that every entry point (browser, API, jobs) gets from the services ----------


def test_a_manager_cannot_hand_a_client_to_someone_else(staff):
    client = make_client(staff.manager1, name="Mine")
    with pytest.raises(ValidationError) as exc:
        services.client_update(actor=staff.manager1, client=client, manager=staff.manager2)
    assert "manager" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_client(staff.manager1, name="For another", manager=staff.manager2)
    assert "manager" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.clients_batch(
            actor=staff.manager1,
            client_ids=[client.pk],
            action="assign_manager",
            value=staff.manager2,
        )
    client.refresh_from_db()
    assert client.manager == staff.manager1
    assert not Client.objects.filter(name="For another").exists()
    # Saving the same manager again is not a hand-over.
    services.client_update(actor=staff.manager1, client=client, manager=staff.manager1)
    services.client_update(actor=staff.head, client=client, manager=staff.manager2)
    client.refresh_from_db()
    assert client.manager == staff.manager2


def test_hidden_details_of_a_confidential_client_are_not_overwritten(staff):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="card",
        label="Card",
        type=PropertyType.TEXT,
        is_sensitive=True,
    )
    vip = make_client(
        staff.admin,
        name="VIP",
        manager=staff.manager2,
        is_confidential=True,
        phones=[{"value": "+48 600 100 200"}],
        properties={"card": "1234"},
    )
    services.client_share(actor=staff.admin, client=vip, user=staff.manager1)
    services.client_update(
        actor=staff.manager1, client=vip, notes="Called", phones=[], properties={"card": None}
    )
    vip.refresh_from_db()
    assert vip.notes == "Called"
    assert vip.properties == {"card": "1234"}
    assert list(vip.contact_points.values_list("normalized", flat=True)) == ["+48600100200"]
