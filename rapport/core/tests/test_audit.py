"""Audit of logins, failed logins, logouts, permission changes and purges; login throttling."""

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.test import override_settings
from django.urls import reverse

from rapport.core import services
from rapport.core.models import AuditEvent, AuditLog, Role
from rapport.parties.tests.factories import ClientFactory


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, username, password, ip="192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_successful_login_is_audited(staff, client):
    response = login(client, "manager1", "pw")
    assert response.status_code == 302 and response.url == reverse("web:home")
    entry = AuditLog.objects.get(event=AuditEvent.LOGIN)
    assert entry.actor == staff.manager1
    assert entry.username == "manager1"
    assert entry.ip_address == "192.0.2.10"


def test_failed_login_is_audited_with_the_username_tried(staff, client):
    response = login(client, "manager1", "wrong")
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    entry = AuditLog.objects.get(event=AuditEvent.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.username == "manager1"
    assert entry.ip_address == "192.0.2.10"
    assert not AuditLog.objects.filter(event=AuditEvent.LOGIN).exists()


def test_logout_is_audited(staff, client):
    login(client, "viewer", "pw")
    client.post(reverse("logout"))
    assert AuditLog.objects.filter(event=AuditEvent.LOGOUT, actor=staff.viewer).exists()


def test_inactive_user_cannot_log_in(staff, client):
    services.user_update(actor=staff.admin, user=staff.manager2, is_active=False)
    response = login(client, "manager2", "pw")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.fixture
def axes_on():
    with override_settings(AXES_ENABLED=True):
        axes_reset()
        yield
        axes_reset()


def test_lockout_after_five_failures_refuses_even_the_right_password(staff, client, axes_on):
    for _ in range(4):
        assert login(client, "manager1", "bad").status_code == 200
    fifth = login(client, "manager1", "bad")
    assert fifth.status_code == 429
    assert 'data-testid="locked-out"' in fifth.content.decode()
    sixth = login(client, "manager1", "pw")
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not AuditLog.objects.filter(event=AuditEvent.LOGIN).exists()
    assert AuditLog.objects.filter(event=AuditEvent.LOGIN_FAILED, username="manager1").count() >= 5
    assert AccessAttempt.objects.filter(username="manager1").exists()
    # another user from another address is not affected
    assert login(client, "manager2", "pw", ip="192.0.2.77").status_code == 302


def test_success_before_the_limit_resets_the_count(staff, client, axes_on):
    for _ in range(4):
        login(client, "manager1", "bad")
    assert login(client, "manager1", "pw").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        login(client, "manager1", "bad")
    assert login(client, "manager1", "pw").status_code == 302


def test_lockout_page_has_no_inline_style(staff, client, axes_on):
    for _ in range(5):
        response = login(client, "manager1", "bad")
    assert response.status_code == 429
    assert " style=" not in response.content.decode()


def test_permission_changes_are_audited(staff):
    services.user_update(
        actor=staff.admin, user=staff.viewer, read_scope="department", role=Role.READ_ONLY
    )
    entry = AuditLog.objects.get(event=AuditEvent.PERMISSION_CHANGE)
    assert entry.actor == staff.admin
    assert entry.details["username_changed"] == "viewer"
    assert entry.details["change"] == {"read_scope": ["all", "department"]}


def test_purge_is_audited(staff):
    client = ClientFactory(manager=staff.manager1, name="Gone Ltd")
    services.record_trash(actor=staff.manager1, record=client)
    services.record_purge(actor=staff.admin, record=client)
    entry = AuditLog.objects.get(event=AuditEvent.PURGE)
    assert entry.details["name"] == "Gone Ltd"
    assert entry.details["model"] == "parties.Client"


def test_audit_page_shows_the_entries(staff, client):
    login(client, "manager1", "wrong")
    login(client, "admin", "pw")
    services.user_update(actor=staff.admin, user=staff.manager1, role=Role.HEAD)
    html = client.get(reverse("core:audit")).content.decode()
    for label in ("Failed login", "Login", "Permission change"):
        assert label in html
    html = client.get(reverse("core:audit"), {"event": "login_failed"}).content.decode()
    assert "Permission change</span>" not in html and "Failed login</span>" in html
