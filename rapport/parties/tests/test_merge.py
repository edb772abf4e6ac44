"""Merge and undo: every link moves to the survivor, merged ids resolve, undo restores."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.core import services as core_services
from rapport.core.models import Attachment, ExternalId
from rapport.parties import merge, selectors, services
from rapport.parties.models import (
    Address,
    Client,
    ClientRelation,
    ClientShare,
    ContactPerson,
    ContactPoint,
    ContactRole,
    DuplicatePair,
    DuplicateStatus,
    RelationshipStatus,
    RelationType,
    StatusChange,
    Tag,
)

pytestmark = pytest.mark.django_db


def create(actor, name, **kwargs):
    return services.client_create(actor=actor, name=name, **kwargs)


def links(client):
    """Everything that hangs on a client, as comparable values."""
    ct = ContentType.objects.get_for_model(Client)
    return {
        "points": sorted(ContactPoint.objects.filter(client=client).values_list("pk", flat=True)),
        "addresses": sorted(Address.objects.filter(client=client).values_list("pk", flat=True)),
        "roles": sorted(ContactRole.objects.filter(client=client).values_list("pk", flat=True)),
        "status": sorted(StatusChange.objects.filter(client=client).values_list("pk", flat=True)),
        "shares": sorted(ClientShare.objects.filter(client=client).values_list("pk", flat=True)),
        "out": sorted(
            ClientRelation.objects.filter(from_client=client).values_list("pk", flat=True)
        ),
        "in": sorted(ClientRelation.objects.filter(to_client=client).values_list("pk", flat=True)),
        "files": sorted(
            Attachment.objects.filter(content_type=ct, object_id=str(client.pk)).values_list(
                "pk", flat=True
            )
        ),
        "external": sorted(
            ExternalId.objects.filter(content_type=ct, object_id=str(client.pk)).values_list(
                "pk", flat=True
            )
        ),
        "tags": sorted(client.tags.values_list("pk", flat=True)),
    }


@pytest.fixture
def pair(staff):
    m1 = staff.manager1
    lead = RelationshipStatus.objects.get(code="lead")
    active = RelationshipStatus.objects.get(code="active")
    a = create(
        m1,
        "ООО «Ромашка»",
        tax_id="7707083893",
        status=lead,
        phones=[{"value": "+7 495 123-45-67"}],
        addresses=[{"type": "legal", "city": "Moscow", "street": "Tverskaya 1"}],
        tags=[Tag.objects.create(name="VIP")],
    )
    b = create(
        m1,
        "Romashka LLC",
        legal_name="Romashka Limited Liability Company",
        status=active,
        notes="from the old CRM",
        phones=[{"value": "8 (495) 1234567"}, {"value": "+7 495 765-43-21"}],
        emails=[{"value": "info@romashka.ru"}],
        tags=[Tag.objects.create(name="Retail")],
    )
    other = create(m1, "Partner")
    kind = RelationType.objects.create(name="partner")
    services.relation_add(actor=m1, from_client=b, to_client=other, type=kind)
    services.relation_add(actor=m1, from_client=b, to_client=a, type=kind)  # becomes self
    shared_contact = services.contact_create(
        actor=m1, last_name="Petrov", roles=[{"client": a}, {"client": b}]
    )
    own_contact = services.contact_create(actor=m1, last_name="Sidorov", roles=[{"client": b}])
    services.client_share(actor=m1, client=b, user=staff.manager2)
    core_services.attachment_add(
        actor=m1, record=b, upload=SimpleUploadedFile("offer.txt", b"hello", "text/plain")
    )
    ExternalId.objects.create(
        content_type=ContentType.objects.get_for_model(Client),
        object_id=str(b.pk),
        system="1c",
        value="000123",
    )
    first, second = sorted([str(a.pk), str(b.pk)])
    DuplicatePair.objects.create(target="client", first_id=first, second_id=second, score=0.9)
    return a, b, other, shared_contact, own_contact


def test_merge_moves_every_link_and_aliases_the_merged_id(staff, pair):
    a, b, other, shared_contact, _own = pair
    before_a, before_b = links(a), links(b)
    result = merge.merge_records(
        actor=staff.manager1, survivor=a, merged=[b], fields={"status": b.pk, "notes": b.pk}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.deleted_at is not None
    assert (a.name, a.status.code, a.notes, a.legal_name) == (
        "ООО «Ромашка»",
        "active",
        "from the old CRM",
        "Romashka Limited Liability Company",  # empty on the survivor: taken from b
    )
    after = links(a)
    # Union of the phones without the duplicate number; the e-mail moved.
    phones = ContactPoint.objects.filter(client=a, channel="phone")
    assert sorted(phones.values_list("normalized", flat=True)) == ["+74951234567", "+74957654321"]
    assert ContactPoint.objects.filter(client=a, channel="email").count() == 1
    assert ContactPoint.objects.filter(client=b).count() == 1  # the duplicate number stays
    assert set(after["files"]) == set(before_b["files"]) and after["files"]
    assert set(after["external"]) == set(before_b["external"])
    assert set(after["status"]) == set(before_a["status"]) | set(before_b["status"])
    assert set(after["shares"]) == set(before_b["shares"])
    assert set(after["tags"]) == set(before_a["tags"]) | set(before_b["tags"])
    # The relation to the partner moved; the one to the survivor itself stays with b.
    assert ClientRelation.objects.filter(from_client=a, to_client=other).exists()
    assert not ClientRelation.objects.filter(from_client=a, to_client=a).exists()
    # Contact persons: Sidorov moved, Petrov (already at a) keeps one role there.
    assert set(a.contacts.values_list("last_name", flat=True)) == {"Petrov", "Sidorov"}
    assert ContactRole.objects.filter(contact=shared_contact, client=a).count() == 1
    # The merged id resolves to the survivor; the pair is marked merged.
    assert selectors.client_alias_target(b.pk) == a.pk
    assert selectors.client_alias_target(a.pk) is None
    assert DuplicatePair.objects.get().status == DuplicateStatus.MERGED
    # History of the survivor records the change, with who made it.
    latest = a.history.first()
    assert latest.history_user == staff.manager1 and latest.history_change_reason == "merge"
    assert result.survivor_id == a.pk and result.merged_ids == [str(b.pk)]


def test_undo_restores_exactly(staff, pair):
    a, b, *_rest = pair
    fields = ("name", "status_id", "notes", "legal_name", "tax_id", "manager_id", "properties")
    state_a = {f: getattr(a, f) for f in fields}
    before_a, before_b = links(a), links(b)
    done = merge.merge_records(actor=staff.manager1, survivor=a, merged=[b], fields={"name": b.pk})
    merge.merge_undo(actor=staff.manager1, merge=done)
    a.refresh_from_db()
    b.refresh_from_db()
    assert {f: getattr(a, f) for f in fields} == state_a
    assert a.name_key == "romashka"
    assert b.deleted_at is None
    assert links(a) == before_a and links(b) == before_b
    assert selectors.client_alias_target(b.pk) is None
    assert DuplicatePair.objects.get().status == DuplicateStatus.OPEN
    with pytest.raises(ValidationError):
        merge.merge_undo(actor=staff.manager1, merge=done)


def test_merge_of_merges_resolves_through_the_chain(staff):
    a, b, c = (create(staff.manager1, n) for n in ("Alpha", "Alpha Ltd", "Alpha GmbH"))
    merge.merge_records(actor=staff.manager1, survivor=b, merged=[c])
    merge.merge_records(actor=staff.manager1, survivor=a, merged=[b])
    assert selectors.client_alias_target(c.pk) == a.pk
    assert selectors.client_alias_target(b.pk) == a.pk


def test_a_manager_merges_only_clients_in_own_scope(staff):
    mine = create(staff.manager1, "Alpha")
    theirs = create(staff.manager2, "Alpha Ltd")
    with pytest.raises(PermissionDenied):
        merge.merge_records(actor=staff.manager1, survivor=mine, merged=[theirs])
    with pytest.raises(PermissionDenied):
        merge.merge_records(actor=staff.viewer, survivor=mine, merged=[theirs])
    assert Client.objects.filter(deleted_at__isnull=True).count() == 2
    # A head of the department may; a manager may not take the other manager's value.
    merge.merge_records(actor=staff.head, survivor=mine, merged=[theirs])
    other = create(staff.manager1, "Beta")
    shared = create(staff.manager2, "Beta Ltd")
    services.client_share(actor=staff.manager2, client=shared, user=staff.manager1)
    with pytest.raises(ValidationError):
        merge.merge_records(
            actor=staff.manager1, survivor=other, merged=[shared], fields={"manager": shared.pk}
        )


def test_merge_rejects_bad_requests(staff):
    a = create(staff.manager1, "Alpha")
    with pytest.raises(ValidationError):
        merge.merge_records(actor=staff.manager1, survivor=a, merged=[a])
    b = create(staff.manager1, "Alpha 2")
    with pytest.raises(ValidationError):
        merge.merge_records(actor=staff.manager1, survivor=a, merged=[b], fields={"id": b.pk})
    with pytest.raises(ValidationError):
        merge.merge_records(actor=staff.manager1, survivor=a, merged=[b], fields={"name": "x"})
    assert Client.objects.filter(deleted_at__isnull=True).count() == 2


def test_generic_mover_finds_every_foreign_key():
    found = {(m._meta.label, f) for m, f in merge.link_fields(Client)}
    assert {
        ("parties.ContactPoint", "client"),
        ("parties.Address", "client"),
        ("parties.ContactRole", "client"),
        ("parties.ClientShare", "client"),
        ("parties.StatusChange", "client"),
        ("parties.ClientRelation", "from_client"),
        ("parties.ClientRelation", "to_client"),
    } <= found
    assert not any(label.startswith("parties.Historical") for label, _f in found)


def test_contact_persons_merge_and_undo(staff):
    client = create(staff.manager1, "Alpha")
    other = create(staff.manager1, "Beta")
    a = services.contact_create(
        actor=staff.manager1, last_name="Petrov", first_name="Ivan", roles=[{"client": client}]
    )
    b = services.contact_create(
        actor=staff.manager1,
        last_name="Петров",
        first_name="Иван",
        middle_name="Сергеевич",
        roles=[{"client": client}, {"client": other}],
        phones=[{"value": "+7 495 111-22-33"}],
    )
    done = merge.merge_records(actor=staff.manager1, survivor=a, merged=[b])
    a.refresh_from_db()
    assert a.middle_name == "Сергеевич"
    assert set(a.clients.values_list("name", flat=True)) == {"Alpha", "Beta"}
    assert a.contact_points.count() == 1
    assert selectors.contact_alias_target(b.pk) == a.pk
    merge.merge_undo(actor=staff.manager1, merge=done)
    a.refresh_from_db()
    assert a.middle_name == "" and a.contact_points.count() == 0
    assert set(a.clients.values_list("name", flat=True)) == {"Alpha"}
    assert ContactPerson.objects.get(pk=b.pk).deleted_at is None
