"""Core API: tokens (with login throttling and audit), users, properties, schema and
the interactive docs under the strict CSP."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.staticfiles import finders
from django.core.cache import cache

from rapport.core.models import ApiToken, AuditEvent, AuditLog, PropertyDefinition, Role, User
from rapport.core.services import api_token_user

PROBLEM = "application/problem+json"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # the token endpoint's rate limit counts in the cache
    yield
    cache.clear()


# --- tokens ---------------------------------------------------------------------------


def test_token_for_good_credentials_authenticates(staff, api):
    response = api().post(TOKEN_URL, {"username": "manager1", "password": "pw"}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert api_token_user(token) == staff.manager1
    assert AuditLog.objects.filter(event=AuditEvent.TOKEN_ISSUED, actor=staff.manager1).exists()
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = client.get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "manager1"


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "manager1", "password": "wrong"},
        {"username": "nobody", "password": "pw"},
    ],
)
def test_wrong_credentials_answer_400_and_are_audited(staff, api, credentials):
    response = api().post(TOKEN_URL, credentials, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()
    failed = AuditLog.objects.get(event=AuditEvent.LOGIN_FAILED)
    assert failed.username == credentials["username"]


def test_inactive_user_gets_no_token(staff, api):
    User.objects.filter(pk=staff.manager1.pk).update(is_active=False)
    response = api().post(TOKEN_URL, {"username": "manager1", "password": "pw"}, format="json")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named(db, api):
    response = api().post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == ["password", "username"]


def test_failed_attempts_lock_out_through_axes(staff, api, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    answers = [
        api()
        .post(TOKEN_URL, {"username": "manager1", "password": "bad"}, format="json")
        .status_code
        for _ in range(3)
    ]
    assert answers == [400, 400, 429]  # the attempt that reaches the limit locks out
    assert AccessAttempt.objects.get(username="manager1").failures_since_start == 3
    response = api().post(TOKEN_URL, {"username": "manager1", "password": "pw"}, format="json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith(PROBLEM)
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()
    # another user is not locked out
    assert (
        api().post(TOKEN_URL, {"username": "manager2", "password": "pw"}, format="json").status_code
        == 200
    )


def test_token_endpoint_is_rate_limited(db, api, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["token"].split("/")[0])
    for _ in range(limit):
        assert api().post(TOKEN_URL, {}, format="json").status_code == 400
    response = api().post(TOKEN_URL, {}, format="json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer", "Bearer a b"])
def test_bad_tokens_answer_401(db, api, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/clients/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)


# --- users ----------------------------------------------------------------------------


def test_directory_for_everyone_hides_admin_settings(staff, api):
    User.objects.filter(pk=staff.manager3.pk).update(is_active=False)
    body = api(staff.viewer).get("/api/v1/users/").json()
    usernames = [u["username"] for u in body["results"]]
    assert "manager3" not in usernames  # inactive users are not in the directory
    assert "manager1" in usernames
    assert "sees_confidential" not in body["results"][0]
    admin = api(staff.admin).get("/api/v1/users/").json()["results"]
    assert "manager3" in [u["username"] for u in admin]
    assert "sees_confidential" in admin[0]


def test_admin_creates_and_changes_users_with_audit(staff, api):
    response = api(staff.admin).post(
        "/api/v1/users/",
        {
            "username": "newbie",
            "password": "Sup3r-secret-pw",
            "first_name": "New",
            "role": "manager",
            "department": str(staff.sales.pk),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    user = User.objects.get(username="newbie")
    assert user.check_password("Sup3r-secret-pw")
    assert "password" not in response.json()
    assert user.department == staff.sales
    response = api(staff.admin).patch(
        f"/api/v1/users/{user.pk}/", {"role": "head", "sees_confidential": True}, format="json"
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.role, user.sees_confidential) == (Role.HEAD, True)
    assert (
        AuditLog.objects.filter(
            event=AuditEvent.PERMISSION_CHANGE, details__user=str(user.pk)
        ).count()
        == 2
    )
    response = api(staff.admin).post("/api/v1/users/", {"username": "newbie"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == ["username"]


@pytest.mark.parametrize("role", ["director", "head", "manager1", "viewer"])
def test_only_administrators_write_users(staff, api, role):
    actor = getattr(staff, role)
    client = api(actor)
    before = list(User.objects.order_by("pk").values())
    response = client.post("/api/v1/users/", {"username": "sneaky", "role": "admin"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    response = client.patch(f"/api/v1/users/{actor.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 403
    response = client.patch(
        "/api/v1/users/me/",
        {"role": "admin", "is_superuser": True, "first_name": "Me"},
        format="json",
    )
    assert response.status_code == 200
    after = list(User.objects.order_by("pk").values())
    changed = [
        (b["username"], k) for b, a in zip(before, after, strict=True) for k in b if b[k] != a[k]
    ]
    assert changed == [(actor.username, "first_name")]
    assert client.delete(f"/api/v1/users/{actor.pk}/").status_code in (403, 405)


def test_me_reads_and_changes_own_profile(staff, api):
    client = api(staff.manager1)
    body = client.get("/api/v1/users/me/").json()
    assert body["id"] == str(staff.manager1.pk)
    assert body["role"] == "manager"
    response = client.patch(
        "/api/v1/users/me/", {"language": "pl", "time_zone": "Europe/Warsaw"}, format="json"
    )
    assert response.status_code == 200, response.content
    staff.manager1.refresh_from_db()
    assert (staff.manager1.language, staff.manager1.time_zone) == ("pl", "Europe/Warsaw")
    response = client.patch("/api/v1/users/me/", {"time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == ["time_zone"]


def test_user_detail_and_unknown_user(staff, api):
    client = api(staff.manager1)
    body = client.get(f"/api/v1/users/{staff.head.pk}/").json()
    assert body["username"] == "head.sales"
    assert body["department"] == str(staff.sales.pk)
    assert client.get("/api/v1/users/01900000-0000-7000-8000-000000000000/").status_code == 404


# --- properties -----------------------------------------------------------------------


def test_properties_read_by_everyone_written_by_administrators(staff, api):
    PropertyDefinition.objects.create(target="client", code="size", label="Size", type="number")
    for user in (staff.viewer, staff.manager3, staff.head):
        response = api(user).get("/api/v1/properties/")
        assert response.status_code == 200
        assert [p["code"] for p in response.json()["results"]] == ["size"]
    payload = {
        "target": "client",
        "code": "segment",
        "label": "Segment",
        "type": "choice",
        "choices": ["a", "b"],
    }
    for user in (staff.director, staff.manager1, staff.viewer):
        assert api(user).post("/api/v1/properties/", payload, format="json").status_code == 403
    assert PropertyDefinition.objects.count() == 1

    response = api(staff.admin).post("/api/v1/properties/", payload, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["choices"] == ["a", "b"]
    response = api(staff.admin).patch(
        f"/api/v1/properties/{pk}/", {"label": "Market segment"}, format="json"
    )
    assert response.status_code == 200
    assert PropertyDefinition.objects.get(pk=pk).label == "Market segment"
    assert (
        api(staff.manager1)
        .patch(f"/api/v1/properties/{pk}/", {"label": "x"}, format="json")
        .status_code
        == 403
    )
    assert api(staff.manager1).delete(f"/api/v1/properties/{pk}/").status_code == 403
    assert api(staff.admin).delete(f"/api/v1/properties/{pk}/").status_code == 204
    assert PropertyDefinition.objects.get(pk=pk).is_active is False
    active = api(staff.viewer).get("/api/v1/properties/", {"is_active": "true"}).json()
    assert [p["code"] for p in active["results"]] == ["size"]
    targets = api(staff.viewer).get("/api/v1/properties/", {"target": "contact"}).json()
    assert targets["results"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target": "client", "code": "x y", "label": "X", "type": "text"}, "code"),
        ({"target": "client", "code": "size", "label": "X", "type": "text"}, "code"),
        ({"target": "planet", "code": "x", "label": "X", "type": "text"}, "target"),
        ({"target": "client", "code": "x", "label": "X", "type": "colour"}, "type"),
        ({"target": "client", "code": "x", "label": "X", "type": "choice"}, "choices"),
        ({"target": "client", "code": "x", "type": "text"}, "label"),
    ],
)
def test_invalid_property_definitions(staff, api, payload, field):
    PropertyDefinition.objects.create(target="client", code="size", label="Size", type="number")
    response = api(staff.admin).post("/api/v1/properties/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert PropertyDefinition.objects.count() == 1


def test_property_target_cannot_change(staff, api):
    definition = PropertyDefinition.objects.create(
        target="client", code="size", label="Size", type="number"
    )
    response = api(staff.admin).patch(
        f"/api/v1/properties/{definition.pk}/", {"target": "contact"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == ["target"]


# --- schema and docs ------------------------------------------------------------------


def test_schema_is_served(db, api):
    response = api().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/clients/",
        "/api/v1/clients/{id}/restore/",
        "/api/v1/clients/batch/",
        "/api/v1/contacts/",
        "/api/v1/properties/",
        "/api/v1/users/",
        "/api/v1/users/me/",
    ):
        assert path in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_uses_only_local_assets_under_strict_csp(db, client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    # no inline script or style: everything is a local file
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and "style=" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(urls) >= 5
    for url in urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    assert 'data-schema-url="/api/v1/schema/"' in html


def test_users_are_found_by_search(api, staff):
    answer = api(staff.manager1).get("/api/v1/users/", {"search": "manager2"}).json()
    assert [(u["id"], u["username"]) for u in answer["results"]] == [
        (str(staff.manager2.pk), "manager2")
    ]
    everyone = api(staff.manager1).get("/api/v1/users/").json()["results"]
    assert len(everyone) > 1
