"""Services and selectors of core: users, properties, attachments, trash, audit log."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from rapport.core import selectors, services
from rapport.core.models import (
    Attachment,
    AuditEvent,
    AuditLog,
    PropertyDefinition,
    PropertyTarget,
    PropertyType,
    ReadScope,
    Role,
)
from rapport.parties.models import Client
from rapport.parties.tests.factories import ClientFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # fast hashing for the staff fixture's passwords (autouse fixtures run first)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


def upload(content=b"hello", name="a.txt"):
    return SimpleUploadedFile(name, content)


# --- users ----------------------------------------------------------------------------


def test_user_create_is_audited_and_admin_only(staff):
    user = services.user_create(
        actor=staff.admin,
        username="new.one",
        password="S3cure-pass!",
        role=Role.HEAD,
        department=staff.sales,
    )
    assert user.check_password("S3cure-pass!")
    assert not user.is_staff
    entry = AuditLog.objects.get(event=AuditEvent.PERMISSION_CHANGE)
    assert entry.actor == staff.admin
    assert entry.details["user"] == str(user.pk)
    with pytest.raises(PermissionDenied):
        services.user_create(actor=staff.director, username="x")
    assert not type(user).objects.filter(username="x").exists()


def test_user_create_refuses_duplicate_username_case_insensitively(staff):
    with pytest.raises(ValidationError) as info:
        services.user_create(actor=staff.admin, username="MANAGER1")
    assert "username" in info.value.message_dict


def test_user_update_audits_only_permission_changes(staff):
    services.user_update(actor=staff.admin, user=staff.manager1, first_name="Renamed")
    assert not AuditLog.objects.filter(event=AuditEvent.PERMISSION_CHANGE).exists()
    services.user_update(
        actor=staff.admin,
        user=staff.manager1,
        role=Role.ADMINISTRATOR,
        department=staff.service,
        sees_confidential=True,
    )
    entry = AuditLog.objects.get(event=AuditEvent.PERMISSION_CHANGE)
    assert entry.details["change"]["role"] == ["manager", "admin"]
    assert entry.details["change"]["department_id"] == [str(staff.sales.pk), str(staff.service.pk)]
    assert entry.details["change"]["sees_confidential"] == ["False", "True"]
    staff.manager1.refresh_from_db()
    assert staff.manager1.is_staff and staff.manager1.is_administrator


def test_user_update_by_non_admin_changes_nothing(staff):
    with pytest.raises(PermissionDenied):
        services.user_update(actor=staff.head, user=staff.manager1, role=Role.DIRECTOR)
    staff.manager1.refresh_from_db()
    assert staff.manager1.role == Role.MANAGER
    assert not AuditLog.objects.exists()


def test_profile_update_validates_language_and_time_zone(staff):
    user = staff.manager1
    services.profile_update(
        actor=user,
        first_name="A",
        last_name="B",
        email="a@example.com",
        language="pl",
        time_zone="Europe/Warsaw",
        phone="+48 1",
        position="Sales",
    )
    user.refresh_from_db()
    assert (user.language, user.time_zone, user.position) == ("pl", "Europe/Warsaw", "Sales")
    with pytest.raises(ValidationError) as info:
        services.profile_update(
            actor=user, first_name="", last_name="", email="", language="de", time_zone="UTC"
        )
    assert "language" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.profile_update(
            actor=user,
            first_name="",
            last_name="",
            email="",
            language="en",
            time_zone="Mars/Olympus",
        )
    assert "time_zone" in info.value.message_dict
    user.refresh_from_db()
    assert user.language == "pl"


def test_department_create_admin_only_and_tree(staff):
    north = services.department_create(actor=staff.admin, name="North", parent=staff.sales)
    with pytest.raises(PermissionDenied):
        services.department_create(actor=staff.head, name="Rogue")
    tree = [(depth, d.name) for depth, d in selectors.department_tree(actor=staff.admin)]
    assert tree == [(0, "Head office"), (1, "Sales"), (2, "North"), (1, "Service")]
    assert north.parent == staff.sales


# --- properties -----------------------------------------------------------------------


@pytest.mark.parametrize("type_", PropertyType.values)
def test_property_create_every_type(staff, type_):
    choices = ["a", "b"] if type_ in ("choice", "multichoice") else ["ignored"]
    definition = services.property_create(
        actor=staff.admin,
        target=PropertyTarget.CONTACT,
        code=f"p_{type_}",
        label=" Label ",
        type=type_,
        choices=choices,
        is_required=True,
        is_sensitive=True,
        position=3,
    )
    definition.refresh_from_db()
    assert definition.type == type_
    assert definition.label == "Label"
    assert definition.choices == (["a", "b"] if type_ in ("choice", "multichoice") else [])
    assert definition.is_required and definition.is_sensitive and definition.position == 3


def test_property_create_only_by_administrators(staff):
    for actor in (staff.director, staff.head, staff.manager1, staff.viewer):
        with pytest.raises(PermissionDenied):
            services.property_create(actor=actor, target="client", code="x", label="X", type="text")
    assert not PropertyDefinition.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "has space"}, "code"),
        ({"code": ""}, "code"),
        ({"code": "ünï"}, "code"),
        ({"type": "choice", "choices": []}, "choices"),
        ({"type": "multichoice", "choices": ["  ", ""]}, "choices"),
        ({"type": "colour"}, "type"),
        ({"target": "ticket"}, "target"),
        ({"label": ""}, "label"),
    ],
)
def test_property_create_validation(staff, kwargs, field):
    params = {"target": "client", "code": "ok", "label": "OK", "type": "text", **kwargs}
    with pytest.raises(ValidationError) as info:
        services.property_create(actor=staff.admin, **params)
    assert field in info.value.message_dict
    assert not PropertyDefinition.objects.exists()


def test_property_code_unique_per_target(staff):
    services.property_create(
        actor=staff.admin, target="client", code="segment", label="S", type="text"
    )
    with pytest.raises(ValidationError) as info:
        services.property_create(
            actor=staff.admin, target="client", code="segment", label="S2", type="number"
        )
    assert "already exists" in info.value.message_dict["code"][0]
    # the same code on the other target is fine
    services.property_create(
        actor=staff.admin, target="contact", code="segment", label="S", type="text"
    )
    assert PropertyDefinition.objects.count() == 2


def test_property_choices_are_trimmed_and_deduplicated(staff):
    d = services.property_create(
        actor=staff.admin,
        target="client",
        code="c",
        label="C",
        type="choice",
        choices=[" x ", "y", "x", ""],
    )
    assert d.choices == ["x", "y"]


def test_property_update_changes_type_while_unused(staff):
    d = services.property_create(
        actor=staff.admin, target="client", code="size", label="S", type="text"
    )
    services.property_update(
        actor=staff.admin,
        definition=d,
        type="choice",
        choices=["S", "M"],
        code="size2",
        label="Size",
        is_active=False,
    )
    d.refresh_from_db()
    assert (d.type, d.code, d.label, d.choices, d.is_active) == (
        "choice",
        "size2",
        "Size",
        ["S", "M"],
        False,
    )


def test_property_update_refuses_type_or_code_change_in_use(staff):
    d = services.property_create(
        actor=staff.admin, target="client", code="size", label="S", type="text"
    )
    ClientFactory(properties={"size": "large"}, deleted_at=None)
    with pytest.raises(ValidationError) as info:
        services.property_update(actor=staff.admin, definition=d, type="number")
    assert "cannot change" in info.value.message_dict["type"][0]
    with pytest.raises(ValidationError) as info:
        services.property_update(actor=staff.admin, definition=d, code="size_new")
    assert "code" in info.value.message_dict
    d.refresh_from_db()
    assert (d.type, d.code) == ("text", "size")
    # label and flags still change
    services.property_update(actor=staff.admin, definition=d, label="Size", is_required=True)
    d.refresh_from_db()
    assert d.label == "Size" and d.is_required


def test_property_in_use_counts_trashed_records_and_only_its_target(staff):
    from django.utils import timezone

    ClientFactory(properties={"tier": "gold"}, deleted_at=timezone.now())
    assert selectors.property_in_use(target="client", code="tier")
    assert not selectors.property_in_use(target="contact", code="tier")
    assert not selectors.property_in_use(target="client", code="other")


def test_property_update_validation(staff):
    d = services.property_create(
        actor=staff.admin, target="client", code="c", label="C", type="choice", choices=["a"]
    )
    services.property_create(
        actor=staff.admin, target="client", code="taken", label="T", type="text"
    )
    with pytest.raises(ValidationError):
        services.property_update(actor=staff.admin, definition=d, choices=[])
    with pytest.raises(ValidationError):
        services.property_update(actor=staff.admin, definition=d, code="taken")
    with pytest.raises(ValidationError):
        services.property_update(actor=staff.admin, definition=d, target="contact")
    with pytest.raises(PermissionDenied):
        services.property_update(actor=staff.manager1, definition=d, label="Hacked")
    d.refresh_from_db()
    assert (d.code, d.label, d.choices, d.target) == ("c", "C", ["a"], "client")


# --- attachments ----------------------------------------------------------------------


def test_attachment_versions(staff):
    client = ClientFactory(manager=staff.manager1)
    attachment = services.attachment_add(
        actor=staff.manager1, record=client, upload=upload(b"one", "offer.txt")
    )
    v2 = services.attachment_add_version(
        actor=staff.head, attachment=attachment, upload=upload(b"two!", "offer-v2.txt")
    )
    attachment.refresh_from_db()
    assert attachment.name == "offer-v2.txt"
    assert v2.number == 2 and v2.size == 4 and v2.uploaded_by == staff.head
    assert [v.number for v in attachment.versions.all()] == [2, 1]
    assert attachment.versions.get(number=1).file.read() == b"one"
    items = selectors.attachments_for(actor=staff.manager1, record=client)
    assert [[v.number for v in a.version_list] for a in items] == [[2, 1]]


def test_attachment_refused_for_read_only_and_out_of_scope(staff):
    client = ClientFactory(manager=staff.manager1)
    for actor in (staff.viewer, staff.manager3, staff.manager2):
        with pytest.raises(PermissionDenied):
            services.attachment_add(actor=actor, record=client, upload=upload())
    assert not Attachment.objects.exists()


def test_attachment_size_limit_and_empty_file(staff, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client = ClientFactory(manager=staff.manager1)
    with pytest.raises(ValidationError) as info:
        services.attachment_add(
            actor=staff.manager1, record=client, upload=upload(b"x" * (1024 * 1024 + 1))
        )
    assert info.value.message_dict["file"] == ["The file is larger than 1 MB."]
    with pytest.raises(ValidationError) as info:
        services.attachment_add(actor=staff.manager1, record=client, upload=upload(b""))
    assert info.value.message_dict["file"] == ["The file is empty."]
    assert not Attachment.objects.exists()
    services.attachment_add(
        actor=staff.manager1, record=client, upload=upload(b"x" * (1024 * 1024))
    )
    assert Attachment.objects.count() == 1


def test_attachment_selectors_scope(staff):
    client = ClientFactory(manager=staff.manager1)
    attachment = services.attachment_add(actor=staff.manager1, record=client, upload=upload())
    version = attachment.versions.get()
    assert (
        selectors.attachment_version_get(
            actor=staff.viewer, attachment_pk=attachment.pk, version_pk=version.pk
        )
        == version
    )
    with pytest.raises(Http404):
        selectors.attachment_version_get(
            actor=staff.manager3, attachment_pk=attachment.pk, version_pk=version.pk
        )
    with pytest.raises(Http404):
        selectors.attachments_for(actor=staff.manager3, record=client)
    services.attachment_delete(actor=staff.manager1, attachment=attachment)
    assert selectors.attachments_for(actor=staff.manager1, record=client) == []
    with pytest.raises(Http404):
        selectors.attachment_get(actor=staff.manager1, pk=attachment.pk)


def test_record_for_attachments_refuses_models_without_rule(staff):
    user_ct = ContentType.objects.get_for_model(type(staff.admin))
    with pytest.raises(Http404):
        selectors.record_for_attachments(
            actor=staff.admin, content_type_id=user_ct.pk, object_id=str(staff.admin.pk)
        )
    with pytest.raises(Http404):
        selectors.record_for_attachments(actor=staff.admin, content_type_id=999999, object_id="x")


# --- trash ----------------------------------------------------------------------------


def test_trash_restore_records_the_acting_user_in_history(staff):
    client = ClientFactory(manager=staff.manager1)
    services.record_trash(actor=staff.manager1, record=client)
    assert client.history.latest().history_user == staff.manager1
    assert [r["record"] for r in selectors.trash_items(actor=staff.manager1)] == [client]
    assert selectors.trash_items(actor=staff.manager3) == []
    services.record_restore(actor=staff.head, record=client)
    client.refresh_from_db()
    assert client.deleted_at is None and client.deleted_by is None
    latest = client.history.latest()
    assert latest.history_user == staff.head and latest.history_change_reason == "restore"


def test_trash_restore_refused_for_read_only_and_out_of_scope(staff):
    client = ClientFactory(manager=staff.manager1)
    services.record_trash(actor=staff.manager1, record=client)
    for actor in (staff.viewer, staff.manager3):
        with pytest.raises(PermissionDenied):
            services.record_restore(actor=actor, record=client)
    client.refresh_from_db()
    assert client.deleted_at is not None


def test_purge_admin_only_audited_and_files_removed(staff, django_capture_on_commit_callbacks):
    client = ClientFactory(manager=staff.manager1)
    pk = client.pk
    attachment = services.attachment_add(
        actor=staff.manager1, record=client, upload=upload(b"secret")
    )
    stored = attachment.versions.get().file.name
    assert default_storage.exists(stored)
    with pytest.raises(ValidationError):  # not in the trash yet
        services.record_purge(actor=staff.admin, record=client)
    services.record_trash(actor=staff.manager1, record=client)
    for actor in (staff.director, staff.manager1):
        with pytest.raises(PermissionDenied):
            services.record_purge(actor=actor, record=client)
    assert Client.objects.filter(pk=client.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_purge(actor=staff.admin, record=client)
    assert not Client.objects.filter(pk=pk).exists()
    assert not Attachment.objects.exists()
    assert not default_storage.exists(stored)
    entry = AuditLog.objects.get(event=AuditEvent.PURGE)
    assert entry.actor == staff.admin and entry.details["record"] == str(pk)


def test_trash_record_get(staff):
    client = ClientFactory(manager=staff.manager1)
    ct = ContentType.objects.get_for_model(Client).pk
    with pytest.raises(Http404):  # not in the trash
        selectors.trash_record_get(
            actor=staff.manager1, content_type_id=ct, object_id=str(client.pk)
        )
    services.record_trash(actor=staff.manager1, record=client)
    assert (
        selectors.trash_record_get(
            actor=staff.manager1, content_type_id=ct, object_id=str(client.pk)
        )
        == client
    )
    with pytest.raises(Http404):
        selectors.trash_record_get(
            actor=staff.manager3, content_type_id=ct, object_id=str(client.pk)
        )


# --- audit log ------------------------------------------------------------------------


def test_audit_log_page_keyset(staff):
    for i in range(7):
        services.audit_record(
            event=AuditEvent.LOGIN if i % 2 else AuditEvent.EXPORT, actor=staff.manager1, n=i
        )
    rows, nxt = selectors.audit_log_page(actor=staff.admin, size=3)
    assert [r.details["n"] for r in rows] == [6, 5, 4]
    rows, nxt = selectors.audit_log_page(actor=staff.admin, size=3, before=nxt)
    assert [r.details["n"] for r in rows] == [3, 2, 1]
    rows, nxt = selectors.audit_log_page(actor=staff.admin, size=3, before=nxt)
    assert [r.details["n"] for r in rows] == [0] and nxt is None
    rows, _ = selectors.audit_log_page(actor=staff.admin, event=AuditEvent.LOGIN)
    assert [r.details["n"] for r in rows] == [5, 3, 1]
    assert selectors.audit_log_page(actor=staff.director) == ([], None)


def test_read_scope_department_viewer_sees_department_trash_only(staff):
    sales_client = ClientFactory(manager=staff.manager1)
    service_client = ClientFactory(manager=staff.manager3)
    for c, m in ((sales_client, staff.manager1), (service_client, staff.manager3)):
        services.record_trash(actor=m, record=c)
    assert staff.viewer_sales.read_scope == ReadScope.DEPARTMENT
    seen = {r["record"] for r in selectors.trash_items(actor=staff.viewer_sales)}
    assert seen == {sales_client}
    assert {r["record"] for r in selectors.trash_items(actor=staff.viewer)} == {
        sales_client,
        service_client,
    }
