"""Browser pages of core against every role: profile, users, departments, properties,
audit log, trash and the attachments fragment."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rapport.core import services
from rapport.core.models import (
    Attachment,
    AttachmentVersion,
    AuditEvent,
    AuditLog,
    Department,
    PropertyDefinition,
    PropertyType,
    Role,
    User,
)
from rapport.parties.models import Client
from rapport.parties.tests.factories import ClientFactory, ContactPersonFactory

ROLES = ["admin", "director", "head", "manager1", "manager3", "viewer", "viewer_sales"]
ADMIN_PAGES = [
    "core:users",
    "core:user_create",
    "core:departments",
    "core:properties",
    "core:property_create",
    "core:audit",
]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


# --- every page × every role ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_answer_404_to_everyone_else(staff, as_user, role, name):
    response = as_user(getattr(staff, role)).get(reverse(name))
    assert response.status_code == (200 if role == "admin" else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["core:profile", "core:password_change", "core:trash"])
def test_personal_pages_open_for_every_role(staff, as_user, role, name):
    response = as_user(getattr(staff, role)).get(reverse(name))
    assert response.status_code == 200
    assert b'class="navbar' in response.content


@pytest.mark.parametrize("name", [*ADMIN_PAGES, "core:profile", "core:trash"])
def test_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_settings_menu_only_for_administrators(staff, as_user):
    page = as_user(staff.admin).get(reverse("core:users")).content.decode()
    assert 'data-testid="settings-menu"' in page
    assert re.search(r'class="dropdown-item active" href="/settings/users/"', page)
    page = as_user(staff.director).get(reverse("core:profile")).content.decode()
    assert 'data-testid="settings-menu"' not in page
    assert "/settings/users/" not in page


def test_pages_have_no_inline_scripts_or_styles(staff, as_user):
    c = as_user(staff.admin)
    for name in [*ADMIN_PAGES, "core:profile", "core:trash"]:
        page = c.get(reverse(name)).content.decode()
        assert "<script>" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page), name
        assert " style=" not in page, name
        assert " onclick=" not in page, name


# --- profile --------------------------------------------------------------------------


def test_profile_update_switches_language_on_the_next_page(staff, as_user):
    c = as_user(staff.manager1)
    page = c.get(reverse("core:profile"))
    assert page["Content-Language"] == "en"
    assert "English" in page.content.decode()
    response = c.post(
        reverse("core:profile"),
        {
            "first_name": "Ivan",
            "last_name": "Petrov",
            "email": "ivan@example.com",
            "phone": "+7 900 000-00-00",
            "position": "Sales",
            "language": "ru",
            "time_zone": "Europe/Moscow",
        },
    )
    assert response.status_code == 302
    staff.manager1.refresh_from_db()
    assert (staff.manager1.language, staff.manager1.time_zone) == ("ru", "Europe/Moscow")
    page = c.get(response.url)
    assert page["Content-Language"] == "ru"
    assert page.wsgi_request.LANGUAGE_CODE == "ru"
    html = page.content.decode()
    assert '<html lang="ru">' in html
    assert "Английский" in html  # the language names come translated (Django's catalogue)


def test_profile_refuses_unknown_time_zone(staff, as_user):
    c = as_user(staff.manager1)
    response = c.post(
        reverse("core:profile"),
        {
            "first_name": "",
            "last_name": "",
            "email": "not-an-email",
            "language": "en",
            "time_zone": "Mars/Base",
        },
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"email", "time_zone"}
    staff.manager1.refresh_from_db()
    assert staff.manager1.time_zone == "UTC"


def test_profile_time_zone_select_uses_tom_select(staff, as_user):
    page = as_user(staff.viewer).get(reverse("core:profile")).content.decode()
    assert re.search(r'<select name="time_zone"[^>]*data-tomselect', page)
    assert '<option value="Europe/Warsaw">' in page


def test_password_change(staff, client):
    client.force_login(staff.manager1)
    response = client.post(
        reverse("core:password_change"),
        {
            "old_password": "pw",
            "new_password1": "Blue-Horse-42!",
            "new_password2": "Blue-Horse-42!",
        },
    )
    assert response.status_code == 302 and response.url == reverse("core:profile")
    staff.manager1.refresh_from_db()
    assert staff.manager1.check_password("Blue-Horse-42!")
    response = client.post(
        reverse("core:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


# --- users and departments ------------------------------------------------------------


def test_users_list_shows_role_department_and_activity(staff, as_user):
    services.user_update(actor=staff.admin, user=staff.manager2, is_active=False)
    page = as_user(staff.admin).get(reverse("core:users")).content.decode()
    assert "manager2" in page and "Inactive" in page
    assert "Head of department" in page and "Sales" in page


def test_admin_creates_user_and_the_change_is_audited(staff, as_user):
    response = as_user(staff.admin).post(
        reverse("core:user_create"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Bie",
            "email": "newbie@example.com",
            "role": Role.READ_ONLY,
            "department": staff.sales.pk,
            "read_scope": "department",
            "sees_confidential": "on",
            "is_active": "on",
            "password": "Very-Long-Secret-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.role, user.department, user.read_scope, user.sees_confidential) == (
        Role.READ_ONLY,
        staff.sales,
        "department",
        True,
    )
    assert user.check_password("Very-Long-Secret-9")
    assert AuditLog.objects.filter(
        event=AuditEvent.PERMISSION_CHANGE, actor=staff.admin, details__user=str(user.pk)
    ).exists()


def test_user_create_validation(staff, as_user):
    c = as_user(staff.admin)
    response = c.post(
        reverse("core:user_create"),
        {
            "username": "Manager1",
            "role": Role.MANAGER,
            "read_scope": "all",
            "password": "123",
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "password" in errors  # too short / numeric
    response = c.post(
        reverse("core:user_create"),
        {"username": "Manager1", "role": Role.MANAGER, "read_scope": "all"},
    )
    assert response.status_code == 422
    assert "already exists" in response.context["form"].errors["username"][0]
    assert User.objects.filter(username__iexact="manager1").count() == 1


def test_admin_edits_user_role_and_password(staff, as_user):
    c = as_user(staff.admin)
    url = reverse("core:user_edit", args=[staff.manager3.pk])
    page = c.get(url)
    assert page.context["form"].initial["username"] == "manager3"
    response = c.post(
        url,
        {
            "username": "manager3",
            "first_name": "M",
            "last_name": "Three",
            "email": "",
            "role": Role.HEAD,
            "department": staff.service.pk,
            "read_scope": "all",
            "is_active": "on",
            "password": "",
        },
    )
    assert response.status_code == 302
    staff.manager3.refresh_from_db()
    assert staff.manager3.role == Role.HEAD
    assert staff.manager3.check_password("pw")  # empty password keeps the old one
    entry = AuditLog.objects.get(event=AuditEvent.PERMISSION_CHANGE)
    assert entry.details["change"] == {"role": ["manager", "head"]}


def test_non_admin_cannot_post_user_changes(staff, as_user):
    url = reverse("core:user_edit", args=[staff.manager1.pk])
    for role in ("director", "head", "manager1"):
        response = as_user(getattr(staff, role)).post(
            url,
            {
                "username": "manager1",
                "role": Role.ADMINISTRATOR,
                "read_scope": "all",
                "is_active": "on",
            },
        )
        assert response.status_code == 404
    staff.manager1.refresh_from_db()
    assert staff.manager1.role == Role.MANAGER
    assert not AuditLog.objects.filter(event=AuditEvent.PERMISSION_CHANGE).exists()


def test_departments_tree_and_create(staff, as_user):
    c = as_user(staff.admin)
    response = c.post(
        reverse("core:departments"), {"name": "Key accounts", "parent": staff.sales.pk}
    )
    assert response.status_code == 302
    assert Department.objects.get(name="Key accounts").parent == staff.sales
    page = c.get(reverse("core:departments")).content.decode()
    tree = page[page.index('data-testid="department-tree"') :]
    tree = tree[: tree.index("</ul>")]
    order = [tree.index(f"</i> {n}") for n in ("Head office", "Sales", "Key accounts", "Service")]
    assert order == sorted(order)
    response = as_user(staff.head).post(reverse("core:departments"), {"name": "Rogue"})
    assert response.status_code == 404
    assert not Department.objects.filter(name="Rogue").exists()


# --- properties -----------------------------------------------------------------------


def property_post(**kwargs):
    data = {
        "target": "client",
        "code": "p",
        "label": "P",
        "type": "text",
        "choices": "",
        "position": "0",
    }
    data.update(kwargs)
    return data


@pytest.mark.parametrize("type_", PropertyType.values)
def test_create_property_of_every_type(staff, as_user, type_):
    response = as_user(staff.admin).post(
        reverse("core:property_create"),
        property_post(
            target="contact",
            code=f"x_{type_}",
            label=f"X {type_}",
            type=type_,
            choices="Red\nGreen\n\nBlue\n",
            is_required="on",
            is_sensitive="on",
            position="5",
        ),
    )
    assert response.status_code == 302
    d = PropertyDefinition.objects.get(code=f"x_{type_}")
    assert (d.target, d.type, d.is_required, d.is_sensitive, d.position, d.is_active) == (
        "contact",
        type_,
        True,
        True,
        5,
        True,
    )
    assert d.choices == (["Red", "Green", "Blue"] if type_ in ("choice", "multichoice") else [])
    page = as_user(staff.admin).get(reverse("core:properties")).content.decode()
    assert f"X {type_}" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "bad code"}, "code", "letters, digits, hyphens and underscores"),
        ({"type": "choice", "choices": "  \n"}, "choices", "at least one choice"),
        ({"type": "multichoice"}, "choices", "at least one choice"),
        ({"label": ""}, "label", "required"),
    ],
)
def test_property_form_validation(staff, as_user, data, field, message):
    response = as_user(staff.admin).post(reverse("core:property_create"), property_post(**data))
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not PropertyDefinition.objects.exists()


def test_property_duplicate_code_is_refused(staff, as_user):
    c = as_user(staff.admin)
    assert c.post(reverse("core:property_create"), property_post(code="seg")).status_code == 302
    response = c.post(reverse("core:property_create"), property_post(code="seg"))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert PropertyDefinition.objects.count() == 1


def test_property_edit_refuses_type_change_in_use_and_toggle(staff, as_user):
    c = as_user(staff.admin)
    d = services.property_create(
        actor=staff.admin, target="client", code="tier", label="Tier", type="text"
    )
    ClientFactory(properties={"tier": "gold"})
    url = reverse("core:property_edit", args=[d.pk])
    assert "cannot change" in c.get(url).content.decode()
    response = c.post(
        url, property_post(target="contact", code="tier", label="Tier", type="number")
    )
    assert response.status_code == 422
    assert "cannot change" in " ".join(response.context["form"].errors["type"])
    response = c.post(
        url,
        property_post(
            code="tier", label="Customer tier", type="text", is_active="on", target="contact"
        ),
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.label, d.type, d.target) == ("Customer tier", "text", "client")  # target fixed
    c.post(reverse("core:property_toggle", args=[d.pk]))
    d.refresh_from_db()
    assert not d.is_active
    assert (
        as_user(staff.director).post(reverse("core:property_toggle", args=[d.pk])).status_code
        == 404
    )
    d.refresh_from_db()
    assert not d.is_active


# --- audit log page -------------------------------------------------------------------


def test_audit_page_filters_and_pages_by_keyset(staff, as_user):
    for i in range(55):
        services.audit_record(event=AuditEvent.EXPORT, actor=staff.manager1, rows=i)
    services.audit_record(event=AuditEvent.LOGIN_FAILED, username="intruder", ip_address="10.0.0.9")
    c = as_user(staff.admin)
    page = c.get(reverse("core:audit"))
    assert len(page.context["rows"]) == 50
    assert "intruder" in page.content.decode() and "10.0.0.9" in page.content.decode()
    total = AuditLog.objects.count()  # 56 and the admin's login
    older = c.get(reverse("core:audit"), {"before": page.context["next_before"]})
    assert len(older.context["rows"]) == total - 50
    assert older.context["next_before"] is None
    ids = [r.id for r in page.context["rows"]] + [r.id for r in older.context["rows"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == total
    filtered = c.get(reverse("core:audit"), {"event": "login_failed"})
    assert [r.username for r in filtered.context["rows"]] == ["intruder"]


# --- trash ----------------------------------------------------------------------------


@pytest.fixture
def trashed(staff):
    client = ClientFactory(manager=staff.manager1, name="Acme trashed")
    services.record_trash(actor=staff.manager1, record=client)
    return client


def trash_url(action, record):
    ct = ContentType.objects.get_for_model(type(record))
    return reverse(f"core:trash_{action}", args=[ct.pk, str(record.pk)])


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("director", True),
        ("head", True),
        ("manager1", True),
        ("manager3", False),
        ("viewer", True),
        ("viewer_sales", True),
    ],
)
def test_trash_lists_what_the_user_may_see(staff, as_user, trashed, role, sees):
    page = as_user(getattr(staff, role)).get(reverse("core:trash")).content.decode()
    assert ("Acme trashed" in page) == sees
    if sees:
        assert ("Purge" in page) == (role == "admin")
        assert ("Restore" in page) == (role not in ("viewer", "viewer_sales"))


def test_restore_from_trash(staff, as_user, trashed):
    response = as_user(staff.manager1).post(trash_url("restore", trashed))
    assert response.status_code == 302
    trashed.refresh_from_db()
    assert trashed.deleted_at is None
    assert trashed.history.latest().history_user == staff.manager1


@pytest.mark.parametrize(("role", "status"), [("manager3", 404), ("viewer", 403)])
def test_restore_refused_leaves_record_in_trash(staff, as_user, trashed, role, status):
    assert as_user(getattr(staff, role)).post(trash_url("restore", trashed)).status_code == status
    trashed.refresh_from_db()
    assert trashed.deleted_at is not None


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("director", 403),
        ("head", 403),
        ("manager1", 403),
        ("viewer", 403),
        ("manager3", 404),
    ],
)
def test_only_admin_purges(staff, as_user, trashed, role, status):
    assert as_user(getattr(staff, role)).post(trash_url("purge", trashed)).status_code == status
    assert Client.objects.filter(pk=trashed.pk).exists()
    assert not AuditLog.objects.filter(event=AuditEvent.PURGE).exists()


def test_admin_purges_and_it_is_audited(staff, as_user, trashed):
    pk = trashed.pk
    response = as_user(staff.admin).post(trash_url("purge", trashed))
    assert response.status_code == 302
    assert not Client.objects.filter(pk=pk).exists()
    entry = AuditLog.objects.get(event=AuditEvent.PURGE)
    assert entry.actor == staff.admin and entry.details["name"] == "Acme trashed"


def test_trash_actions_need_post_and_a_trashed_record(staff, as_user):
    alive = ClientFactory(manager=staff.manager1)
    c = as_user(staff.admin)
    assert c.get(trash_url("purge", alive)).status_code == 405
    assert c.post(trash_url("purge", alive)).status_code == 404
    assert Client.objects.filter(pk=alive.pk).exists()


def test_trash_shows_contact_persons(staff, as_user):
    contact = ContactPersonFactory(last_name="Kowalski", created_by=staff.manager1)
    services.record_trash(actor=staff.manager1, record=contact)
    page = as_user(staff.manager1).get(reverse("core:trash")).content.decode()
    assert "Kowalski" in page
    assert as_user(staff.manager1).post(trash_url("restore", contact)).status_code == 302
    contact.refresh_from_db()
    assert contact.deleted_at is None


# --- attachments ----------------------------------------------------------------------


def files_url(record):
    ct = ContentType.objects.get_for_model(type(record))
    return reverse("core:attachments", args=[ct.pk, str(record.pk)])


def upload(content, name="offer.txt"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def acme(staff):
    return ClientFactory(manager=staff.manager1, name="Acme")


def test_upload_new_version_list_and_download_old(staff, as_user, acme):
    c = as_user(staff.manager1)
    response = c.post(files_url(acme), {"file": upload(b"version one")}, **htmx())
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # a fragment
    attachment = Attachment.objects.get()
    assert attachment.record == acme
    response = c.post(
        reverse("core:attachment_version_add", args=[attachment.pk]),
        {"file": upload(b"version two, longer", "offer-final.txt")},
        **htmx(),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "offer-final.txt" in html and "v2" in html
    assert "1 older version" in html and "v1 · offer.txt" in html
    v1 = attachment.versions.get(number=1)
    v2 = attachment.versions.get(number=2)
    for v in (v1, v2):
        assert reverse("core:attachment_download", args=[attachment.pk, v.pk]) in html
    # a read-only colleague lists and downloads the old version
    viewer = as_user(staff.viewer)
    listing = viewer.get(files_url(acme), **htmx())
    assert listing.status_code == 200 and "offer-final.txt" in listing.content.decode()
    download = viewer.get(reverse("core:attachment_download", args=[attachment.pk, v1.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"version one"
    assert download["Content-Disposition"] == 'attachment; filename="offer.txt"'


def test_full_page_without_htmx_and_redirect_after_plain_post(staff, as_user, acme):
    c = as_user(staff.manager1)
    page = c.get(files_url(acme))
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = c.post(files_url(acme), {"file": upload(b"x")})
    assert response.status_code == 302 and response.url == files_url(acme)


def test_size_limit_error_shown_and_nothing_saved(staff, as_user, acme, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    c = as_user(staff.manager1)
    response = c.post(files_url(acme), {"file": upload(b"x" * (1024 * 1024 + 1))}, **htmx())
    assert response.status_code == 422
    assert "The file is larger than 1 MB." in response.content.decode()
    assert 'data-max-bytes="1048576"' in response.content.decode()
    assert not Attachment.objects.exists()
    attachment = services.attachment_add(actor=staff.manager1, record=acme, upload=upload(b"ok"))
    response = c.post(
        reverse("core:attachment_version_add", args=[attachment.pk]),
        {"file": upload(b"x" * (1024 * 1024 + 1))},
        **htmx(),
    )
    assert response.status_code == 422
    assert 'data-testid="version-error"' in response.content.decode()
    assert attachment.versions.count() == 1


def test_empty_upload_form_is_an_error(staff, as_user, acme):
    response = as_user(staff.manager1).post(files_url(acme), {}, **htmx())
    assert response.status_code == 422
    assert 'data-testid="upload-error"' in response.content.decode()


def test_out_of_scope_record_answers_404_everywhere(staff, as_user, acme):
    attachment = services.attachment_add(actor=staff.manager1, record=acme, upload=upload(b"1"))
    version = attachment.versions.get()
    c = as_user(staff.manager3)
    assert c.get(files_url(acme), **htmx()).status_code == 404
    assert c.post(files_url(acme), {"file": upload(b"2")}, **htmx()).status_code == 404
    assert (
        c.post(
            reverse("core:attachment_version_add", args=[attachment.pk]), {"file": upload(b"2")}
        ).status_code
        == 404
    )
    assert c.post(reverse("core:attachment_delete", args=[attachment.pk])).status_code == 404
    assert (
        c.get(reverse("core:attachment_download", args=[attachment.pk, version.pk])).status_code
        == 404
    )
    assert Attachment.objects.count() == 1 and AttachmentVersion.objects.count() == 1
    attachment.refresh_from_db()
    assert attachment.deleted_at is None


def test_read_only_user_sees_no_upload_and_cannot_upload(staff, as_user, acme):
    attachment = services.attachment_add(actor=staff.manager1, record=acme, upload=upload(b"1"))
    c = as_user(staff.viewer)
    html = c.get(files_url(acme), **htmx()).content.decode()
    assert 'data-testid="upload"' not in html and 'data-testid="upload-version"' not in html
    assert c.post(files_url(acme), {"file": upload(b"2")}, **htmx()).status_code == 403
    assert (
        c.post(
            reverse("core:attachment_version_add", args=[attachment.pk]),
            {"file": upload(b"2")},
            **htmx(),
        ).status_code
        == 403
    )
    assert c.post(reverse("core:attachment_delete", args=[attachment.pk])).status_code == 403
    assert Attachment.objects.filter(deleted_at__isnull=True).count() == 1
    assert AttachmentVersion.objects.count() == 1


def test_manager_sees_upload_form_and_deletes(staff, as_user, acme):
    attachment = services.attachment_add(actor=staff.manager1, record=acme, upload=upload(b"1"))
    c = as_user(staff.head)
    html = c.get(files_url(acme), **htmx()).content.decode()
    assert 'hx-encoding="multipart/form-data"' in html and 'data-testid="upload"' in html
    response = c.post(reverse("core:attachment_delete", args=[attachment.pk]), **htmx())
    assert response.status_code == 200
    assert "No files yet." in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.deleted_at is not None


def test_attachments_of_a_trashed_or_unknown_record_answer_404(staff, as_user, acme):
    c = as_user(staff.admin)
    user_ct = ContentType.objects.get_for_model(User)
    assert (
        c.get(reverse("core:attachments", args=[user_ct.pk, str(staff.admin.pk)])).status_code
        == 404
    )
    assert c.get(reverse("core:attachments", args=[user_ct.pk + 9999, "x"])).status_code == 404
    client_ct = ContentType.objects.get_for_model(Client)
    assert c.get(reverse("core:attachments", args=[client_ct.pk, "not-a-uuid"])).status_code == 404
    acme.deleted_at = timezone.now()
    acme.save()
    assert c.get(files_url(acme)).status_code == 404


def test_download_name_is_made_safe(staff, as_user, acme):
    attachment = services.attachment_add(
        actor=staff.manager1, record=acme, upload=upload(b"data", 'a"b;c\r\nd.txt')
    )
    version = attachment.versions.get()
    response = as_user(staff.manager1).get(
        reverse("core:attachment_download", args=[attachment.pk, version.pk])
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "\n" not in disposition and "\r" not in disposition and ";c" not in disposition
    assert response["Cache-Control"] == "private, no-store"
    b"".join(response.streaming_content)


def test_attachments_on_contact_persons(staff, as_user, acme):
    from rapport.parties.models import ContactRole

    contact = ContactPersonFactory(last_name="Nowak")
    ContactRole.objects.create(contact=contact, client=acme)
    c = as_user(staff.manager1)
    assert c.post(files_url(contact), {"file": upload(b"cv")}, **htmx()).status_code == 200
    assert Attachment.objects.get().record == contact
    assert as_user(staff.manager3).get(files_url(contact)).status_code == 404


def test_attachment_list_query_count_is_fixed(staff, as_user, acme, django_assert_max_num_queries):
    for i in range(5):
        a = services.attachment_add(actor=staff.manager1, record=acme, upload=upload(b"1", f"{i}"))
        services.attachment_add_version(actor=staff.manager1, attachment=a, upload=upload(b"2"))
    c = as_user(staff.manager1)
    c.get(files_url(acme), **htmx())  # warm the content type cache
    with django_assert_max_num_queries(12):
        response = c.get(files_url(acme), **htmx())
    assert response.content.decode().count('data-testid="attachment"') == 5
