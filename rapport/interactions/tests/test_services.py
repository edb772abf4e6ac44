import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.interactions import services, settings_services
from rapport.interactions.models import ClientInterest, Interaction, InteractionType, Interest
from rapport.parties import services as party_services

from .conftest import itype

pytestmark = pytest.mark.django_db


def test_default_types_are_seeded():
    codes = set(InteractionType.objects.values_list("code", flat=True))
    assert {
        "call_in",
        "call_out",
        "meeting",
        "email",
        "letter",
        "visit",
        "service_visit",
        "question",
        "complaint",
    } <= codes
    assert InteractionType.objects.get(code="complaint").required_fields == ["description"]


def test_create_stores_utc_and_reads_naive_times_in_the_users_zone(world):
    staff = world["staff"]
    staff.manager1.time_zone = "Europe/Warsaw"
    staff.manager1.save()
    naive = dt.datetime(2025, 7, 1, 9, 0)
    item = services.interaction_create(
        actor=staff.manager1,
        client=world["clients"]["m1"],
        type=itype(),
        subject="Hi",
        date=naive,
    )
    item.refresh_from_db()
    assert item.date == dt.datetime(2025, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert item.manager == staff.manager1 and item.created_by == staff.manager1
    aware = dt.datetime(2025, 1, 10, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    other = services.interaction_create(
        actor=staff.manager1,
        client=world["clients"]["m1"],
        type=itype(),
        subject="Hi",
        date=aware,
    )
    other.refresh_from_db()
    assert other.date == dt.datetime(2025, 1, 10, 8, 0, tzinfo=dt.UTC)


def test_validation_names_every_field_and_writes_nothing(world):
    staff = world["staff"]
    before = Interaction.objects.count()
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1,
            client=world["clients"]["m3"],
            type=itype("complaint"),
            subject="  ",
            duration=-5,
            participants=["not-a-user"],
        )
    errors = err.value.message_dict
    assert {"client", "subject", "duration", "participants"} <= set(errors)
    assert Interaction.objects.count() == before


def test_required_fields_of_the_type(world):
    staff = world["staff"]
    client = world["clients"]["m1"]
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1, client=client, type=itype("complaint"), subject="Broken"
        )
    assert "description" in err.value.message_dict
    # The result a service visit requires is asked only when it is done.
    planned = services.interaction_create(
        actor=staff.manager1,
        client=client,
        type=itype("service_visit"),
        subject="Repair",
        participants=[staff.manager1],
        planned=True,
    )
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1,
            client=client,
            type=itype("service_visit"),
            subject="Repair",
            participants=[staff.manager1],
        )
    assert set(err.value.message_dict) == {"result"}
    assert planned.planned


def test_contacts_must_belong_to_the_client(world):
    staff = world["staff"]
    contact = party_services.contact_create(
        actor=staff.admin, last_name="Other", roles=[{"client": world["clients"]["m2"].pk}]
    )
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1,
            client=world["clients"]["m1"],
            type=itype(),
            subject="x",
            contacts=[contact.pk],
        )
    assert "contacts" in err.value.message_dict
    ok = services.interaction_create(
        actor=staff.manager2,
        client=world["clients"]["m2"],
        type=itype(),
        subject="x",
        contacts=[contact.pk],
    )
    assert list(ok.contacts.all()) == [contact]


def test_complete_a_planned_interaction(world):
    staff = world["staff"]
    item = services.interaction_create(
        actor=staff.manager1,
        client=world["clients"]["m1"],
        type=itype("meeting"),
        subject="Meet",
        planned=True,
        participants=[staff.manager1],
        date=timezone.now() + dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as err:
        services.interaction_complete(actor=staff.manager1, interaction=item, result=" ")
    assert "result" in err.value.message_dict
    item.refresh_from_db()
    assert item.planned and item.completed_at is None
    services.interaction_complete(
        actor=staff.manager1, interaction=item, result="Agreed", next_step="Send offer"
    )
    item.refresh_from_db()
    assert not item.planned and item.completed_at is not None
    assert (item.result, item.next_step) == ("Agreed", "Send offer")
    assert item.history.count() == 2
    with pytest.raises(ValidationError):
        services.interaction_complete(actor=staff.manager1, interaction=item, result="again")


def test_edit_rule(world):
    staff = world["staff"]
    m2 = world["interactions"]["m2"]
    for user in (staff.manager1, staff.manager3, staff.viewer):
        with pytest.raises(PermissionDenied):
            services.interaction_update(actor=user, interaction=m2, subject="Hacked")
    m2.refresh_from_db()
    assert m2.subject == "Call m2"
    for user in (staff.manager2, staff.head, staff.director):
        services.interaction_update(actor=user, interaction=m2, subject=f"By {user}")
    # The head may not change what VIP masking hides from them.
    with pytest.raises(PermissionDenied):
        services.interaction_update(
            actor=staff.head, interaction=world["interactions"]["vip"], subject="x"
        )


def test_trash_and_restore(world):
    staff = world["staff"]
    item = world["interactions"]["m1"]
    services.interaction_trash(actor=staff.manager1, interaction=item)
    assert Interaction.objects.get(pk=item.pk).deleted_at is not None
    services.interaction_restore(actor=staff.manager1, interaction=item)
    assert Interaction.objects.get(pk=item.pk).deleted_at is None


def test_link_to_a_visible_record_only(world):
    staff = world["staff"]
    other = world["clients"]["m3"]
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1,
            client=world["clients"]["m1"],
            type=itype(),
            subject="x",
            link=("parties.client", other.pk),
        )
    assert "link_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.interaction_create(
            actor=staff.manager1,
            client=world["clients"]["m1"],
            type=itype(),
            subject="x",
            link=("core.user", staff.manager1.pk),
        )
    assert "link_type" in err.value.message_dict
    item = services.interaction_create(
        actor=staff.manager1,
        client=world["clients"]["m1"],
        type=itype(),
        subject="x",
        link=("parties.client", world["clients"]["m2_shared"].pk),
    )
    assert item.linked == world["clients"]["m2_shared"]


def test_client_interests(world):
    staff = world["staff"]
    client = world["clients"]["m1"]
    interest = Interest.objects.get(name="Training")
    source = world["interactions"]["m1"]
    record = services.client_interest_add(
        actor=staff.manager1, client=client, interest=interest, source=source
    )
    again = services.client_interest_add(
        actor=staff.manager1, client=client, interest=interest, note="Wants it soon"
    )
    assert record.pk == again.pk and ClientInterest.objects.count() == 1
    with pytest.raises(ValidationError) as err:
        services.client_interest_add(
            actor=staff.manager1,
            client=client,
            interest=interest,
            source=world["interactions"]["m2_shared"],
        )
    assert "source" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.client_interest_add(actor=staff.manager3, client=client, interest=interest)
    with pytest.raises(PermissionDenied):
        services.client_interest_remove(actor=staff.viewer, client_interest=again)
    services.client_interest_remove(actor=staff.manager1, client_interest=again)
    assert not ClientInterest.objects.exists()


def test_settings_are_for_administrators(staff):
    with pytest.raises(PermissionDenied):
        settings_services.interaction_type_save(actor=staff.director, code="sms", name="SMS")
    with pytest.raises(ValidationError) as err:
        settings_services.interaction_type_save(
            actor=staff.admin, code="call_in", name="Dup", required_fields=["bogus"]
        )
    assert "required_fields" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        settings_services.interaction_type_save(actor=staff.admin, code="call_in", name="Dup")
    assert "code" in err.value.message_dict
    sms = settings_services.interaction_type_save(
        actor=staff.admin, code="sms", name="SMS", icon="phone", required_fields=["result"]
    )
    assert InteractionType.objects.get(pk=sms.pk).required_fields == ["result"]
