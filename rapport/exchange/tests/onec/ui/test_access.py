"""Every exchange page against every role: only administrators and users granted the
exchange permission get in; everyone else gets the 404 of a missing page and their posts
change nothing."""

import pytest
from django.urls import reverse

from rapport.exchange.models import Connection, FieldOwnership

from .conftest import ALLOWED, ROLES, add_file, make_connection, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(media):
    connection = make_connection()
    session = make_session(connection)
    exchanged = add_file(session, "import.xml", b"<xml/>")
    return connection, session, exchanged


def _pages(connection, session, exchanged):
    return [
        reverse("onec:connections"),
        reverse("onec:connection_create"),
        reverse("onec:connection_create") + "?kind=commerceml",
        reverse("onec:connection_create") + "?kind=odata",
        reverse("onec:connection_create") + "?kind=enterprisedata",
        reverse("onec:connection_edit", args=[connection.pk]),
        reverse("onec:ownership", args=[connection.pk]),
        reverse("onec:sessions"),
        reverse("onec:session", args=[session.pk]),
        reverse("onec:file_download", args=[exchanged.pk]),
        reverse("onec:conflicts"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, users, world, role):
    client.force_login(users[role])
    for url in _pages(*world):
        response = client.get(url)
        expected = 200 if role in ALLOWED else 404
        assert response.status_code == expected, (role, url, response.status_code)


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_refused_posts_change_nothing(client, users, world, role):
    connection, _session, _file = world
    client.force_login(users[role])
    posts = [
        (reverse("onec:connection_create") + "?kind=commerceml", {"name": "X", "code": "x"}),
        (reverse("onec:connection_edit", args=[connection.pk]), {"name": "Renamed", "code": "y"}),
        (reverse("onec:ownership", args=[connection.pk]), {"client__name": "crm"}),
        (reverse("onec:connection_run", args=[connection.pk]), {}),
        (reverse("onec:connection_delete", args=[connection.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert list(Connection.objects.values_list("code", "name")) == [("buh", "1C buh")]
    assert not FieldOwnership.objects.exists()


def test_anonymous_is_sent_to_login(client, world):
    for url in _pages(*world):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_permission_taken_away_closes_the_pages(client, exchanger, world):
    client.force_login(exchanger)
    assert client.get(reverse("onec:connections")).status_code == 200
    exchanger.can_exchange = False
    exchanger.save(update_fields=["can_exchange"])
    assert client.get(reverse("onec:connections")).status_code == 404


def test_unknown_records_answer_404(client, staff, world):
    client.force_login(staff.admin)
    missing = "01900000-0000-7000-8000-000000000000"
    for name in ("onec:connection_edit", "onec:ownership", "onec:session", "onec:file_download"):
        assert client.get(reverse(name, args=[missing])).status_code == 404, name
