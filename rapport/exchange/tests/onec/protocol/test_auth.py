"""checkauth, the cookie and Basic auth, access, init, unknown requests."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.exchange.models import Connection, ConnectionKind, ExchangeSession, SessionStatus
from rapport.exchange.onec.commerceml.protocol import COOKIE_NAME

from ..emulator import OneCClient
from .conftest import PASSWORD, sha256

pytestmark = pytest.mark.django_db


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def test_checkauth_answers_cookie_and_opens_a_logged_session(one_c, one_c_user, connection):
    reply = one_c.checkauth("catalog")
    assert reply.status == 200
    assert reply.content_type == "text/plain; charset=utf-8"
    word, name, value = reply.text.split("\n")
    assert (word, name) == ("success", COOKIE_NAME)
    assert len(value) >= 40
    session = ExchangeSession.objects.get()
    assert session.token_hash == sha256(value)
    assert (session.user, session.connection, session.channel) == (
        one_c_user,
        connection,
        "catalog",
    )
    assert session.status == SessionStatus.OPEN


def test_wrong_password_is_a_401_failure_and_opens_nothing(one_c):
    one_c.password = "wrong"
    reply = one_c.checkauth()
    assert reply.status == 401
    assert reply.word == "failure"
    assert "password" in reply.text
    assert reply.content_type.startswith("text/plain")
    assert not ExchangeSession.objects.exists()


def test_repeated_wrong_passwords_lock_the_login_with_a_plain_text_answer(one_c, settings):
    settings.AXES_ENABLED = True  # off in the test settings unless a test turns it on
    settings.AXES_FAILURE_LIMIT = 3
    one_c.password = "wrong"
    replies = [one_c.checkauth() for _ in range(4)]
    assert replies[0].status == 401
    assert replies[-1].status == 429
    assert replies[-1].content_type == "text/plain; charset=utf-8"
    assert replies[-1].lines[0] == "failure" and "1c-exchange" in replies[-1].text
    one_c.password = PASSWORD
    assert one_c.checkauth().status == 429  # locked even with the right password
    assert not ExchangeSession.objects.exists()


def test_no_credentials_asks_for_basic(connection, endpoint):
    response = Client().get(endpoint, {"type": "catalog", "mode": "checkauth"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert response.content.decode().startswith("failure\n")


def test_user_without_exchange_permission_is_a_403_failure(connection, endpoint):
    user = UserFactory(username="plain", role=Role.DIRECTOR, can_exchange=False)
    one_c = OneCClient(Client(), login="plain", password="pw", url=endpoint)
    reply = one_c.checkauth()
    assert reply.status == 403
    assert reply.word == "failure"
    assert "permission" in reply.text and user.username in reply.text
    assert not ExchangeSession.objects.exists()


def test_inactive_user_cannot_log_in(one_c, one_c_user):
    one_c_user.is_active = False
    one_c_user.save()
    reply = one_c.checkauth()
    assert (reply.status, reply.word) == (401, "failure")
    assert not ExchangeSession.objects.exists()


def test_administrator_may_exchange_without_the_flag(connection, endpoint):
    UserFactory(username="boss", role=Role.ADMINISTRATOR, can_exchange=False)
    one_c = OneCClient(Client(), login="boss", password="pw", url=endpoint)
    assert one_c.checkauth().ok


def test_redirect_http_authorization_is_read(connection, endpoint, one_c_user):
    # Apache under CGI/FastCGI hands the header over in REDIRECT_HTTP_AUTHORIZATION only.
    response = Client().get(
        endpoint,
        {"type": "sale", "mode": "checkauth"},
        REDIRECT_HTTP_AUTHORIZATION=basic("1c-exchange", PASSWORD),
    )
    assert response.status_code == 200
    assert response.content.decode().startswith(f"success\n{COOKIE_NAME}\n")


def test_later_requests_authenticate_by_the_cookie(one_c):
    one_c.checkauth()
    reply = one_c.init()
    assert reply.status == 200
    assert reply.lines[:2] == ["zip=no", "file_limit=10485760"]
    assert one_c.zip is False and one_c.file_limit == 10 * 1024 * 1024


def test_a_wrong_cookie_without_basic_is_refused(one_c):
    one_c.checkauth()
    one_c.cookie = (COOKIE_NAME, "forged")
    reply = one_c.init()
    assert (reply.status, reply.word) == (401, "failure")


def test_no_cookie_no_basic_is_refused(one_c):
    reply = one_c.init()
    assert (reply.status, reply.word) == (401, "failure")


def test_basic_alone_is_accepted_on_later_requests_in_the_same_session(one_c):
    one_c.checkauth()
    one_c.use_cookie = False
    one_c.basic_always = True
    assert one_c.init().status == 200
    session = ExchangeSession.objects.get()
    assert session.state["cml"]["file_limit"] == 10 * 1024 * 1024


def test_basic_with_a_wrong_password_on_later_requests_is_refused(one_c):
    one_c.checkauth()
    one_c.use_cookie = False
    one_c.basic_always = True
    one_c.password = "nope"
    assert (one_c.init().status, one_c.log[-1].reply.word) == (401, "failure")


def test_cookie_of_a_user_who_lost_the_permission_stops_working(one_c, one_c_user):
    one_c.checkauth()
    one_c_user.can_exchange = False
    one_c_user.save()
    reply = one_c.init()
    assert (reply.status, reply.word) == (401, "failure")
    one_c.basic_always = True
    reply = one_c.init()
    assert (reply.status, reply.word) == (403, "failure")


@pytest.mark.parametrize(
    ("type_", "mode"),
    [
        ("catalog", "checkauth"),
        ("catalog", "init"),
        ("catalog", "file"),
        ("catalog", "import"),
        ("catalog", "deactivate"),
        ("catalog", "complete"),
        ("sale", "checkauth"),
        ("sale", "init"),
        ("sale", "query"),
        ("sale", "success"),
        ("sale", "file"),
    ],
)
def test_a_user_without_permission_gets_failure_everywhere(connection, endpoint, type_, mode):
    UserFactory(username="manager", role=Role.MANAGER)
    one_c = OneCClient(Client(), login="manager", password="pw", url=endpoint, basic_always=True)
    method = "POST" if mode == "file" else "GET"
    reply = one_c.request(
        method, {"type": type_, "mode": mode, "filename": "import.xml"}, b"<?xml version='1.0'?>"
    )
    assert reply.status == 403
    assert reply.word == "failure"
    assert not ExchangeSession.objects.exists()


def test_unknown_type_and_mode_are_failures(one_c):
    one_c.checkauth()
    reply = one_c.get("catalog", "explode")
    assert (reply.status, reply.word) == (200, "failure")
    assert "explode" in reply.text
    reply = one_c.get("sale", "deactivate")
    assert reply.word == "failure"
    reply = one_c.get("reference", "init")
    assert reply.word == "failure" and "reference" in reply.text


def test_named_connection_and_unknown_code(one_c_user, connection):
    other = Connection.objects.create(
        kind=ConnectionKind.COMMERCEML, code="bp", name="БП 3.0", run_as=one_c_user
    )
    url = reverse("onec_cml:exchange_named", args=["bp"])
    one_c = OneCClient(Client(), login="1c-exchange", password=PASSWORD, url=url)
    assert one_c.checkauth().ok
    assert ExchangeSession.objects.get().connection == other
    # A cookie of one connection is no key to another.
    default = OneCClient(Client(), login="x", password="y", url=reverse("onec_cml:exchange"))
    default.cookie = one_c.cookie
    assert default.init().status == 401

    missing = OneCClient(
        Client(),
        login="1c-exchange",
        password=PASSWORD,
        url=reverse("onec_cml:exchange_named", args=["nope"]),
    )
    reply = missing.checkauth()
    assert (reply.status, reply.word) == (404, "failure")
    assert "nope" in reply.text


def test_inactive_connection_is_not_served(connection, one_c):
    connection.is_active = False
    connection.save()
    reply = one_c.checkauth()
    assert (reply.status, reply.word) == (404, "failure")


def test_default_connection_is_the_first_active_commerceml_one(one_c_user, endpoint):
    Connection.objects.create(kind=ConnectionKind.ODATA, code="od", name="OData")
    first = Connection.objects.create(kind=ConnectionKind.COMMERCEML, code="a", name="A")
    Connection.objects.create(kind=ConnectionKind.COMMERCEML, code="b", name="B")
    one_c = OneCClient(Client(), login="1c-exchange", password=PASSWORD, url=endpoint)
    assert one_c.checkauth().ok
    assert ExchangeSession.objects.get().connection == first


@pytest.mark.parametrize(
    ("offered", "asked", "answered"),
    [
        ("2.08", "3.1", "2.08"),
        ("2.08", "2.05", "2.05"),
        ("2.08", "2.10", "2.08"),
        ("3.1", "3.1", "3.1"),
        ("3.1", "2.10", "2.10"),
        ("2.08", "9.99", "2.08"),
    ],
)
def test_init_negotiates_the_version(connection, one_c, offered, asked, answered):
    connection.options = {"version": offered, "zip": True, "file_limit": 2_000_000}
    connection.save()
    one_c.version = asked
    one_c.checkauth()
    reply = one_c.init()
    assert reply.lines == ["zip=yes", "file_limit=2000000", f"version={answered}"]
    assert ExchangeSession.objects.get().version == answered


def test_init_without_version_sends_none(one_c):
    one_c.checkauth()
    assert one_c.init().lines == ["zip=no", "file_limit=10485760"]
    assert ExchangeSession.objects.get().version == ""


def test_a_new_checkauth_closes_the_session_left_open(one_c):
    one_c.checkauth()
    one_c.init()
    first = ExchangeSession.objects.get()
    one_c.checkauth()
    first.refresh_from_db()
    assert first.status == SessionStatus.DONE
    assert first.finished_at is not None
    assert ExchangeSession.objects.filter(status=SessionStatus.OPEN).count() == 1
