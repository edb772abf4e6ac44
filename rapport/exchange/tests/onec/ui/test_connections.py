"""Connection settings pages: create per channel with the channel's options, the CommerceML
endpoint for 1C, the write-only OData password, validation, delete, audit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.core.models import AuditLog, Role
from rapport.core.tests.factories import UserFactory
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec import services

from .conftest import make_connection, make_session

pytestmark = pytest.mark.django_db

CML_OPTIONS = {
    "options-file_limit": "1048576",
    "options-query_encoding": "windows-1251",
    "options-version": "2.05",
    "options-orders_source": "invoices",
    "options-zip": "on",
}


def test_kind_choice_page_links_each_channel(client, exchanger):
    client.force_login(exchanger)
    html = client.get(reverse("onec:connection_create")).content.decode()
    for kind in ConnectionKind.values:
        assert f'href="?kind={kind}"' in html


def test_create_commerceml_connection_shows_endpoint(client, staff, exchanger):
    client.force_login(exchanger)
    url = reverse("onec:connection_create") + "?kind=commerceml"
    page = client.get(url)
    assert page.status_code == 200
    assert "options-query_encoding" in page.content.decode()
    assert "schedule_minutes" not in page.context["form"].fields
    response = client.post(
        url,
        {
            "name": "Trade 11",
            "code": "ut",
            "is_active": "on",
            "run_as": exchanger.pk,
            "default_manager": staff.manager1.pk,
            **CML_OPTIONS,
        },
    )
    connection = Connection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("onec:connection_edit", args=[connection.pk])
    assert connection.kind == "commerceml" and connection.code == "ut"
    assert connection.run_as == exchanger and connection.default_manager == staff.manager1
    assert connection.options["query_encoding"] == "windows-1251"
    assert connection.options["file_limit"] == 1048576
    assert connection.options["zip"] is True and connection.options["deactivate_missing"] is False
    assert connection.schedule_minutes is None

    html = client.get(response["Location"]).content.decode()
    assert "http://testserver/exchange/1c/ut/" in html
    assert "Exchange with websites" in html
    log = AuditLog.objects.get(event=services.AUDIT_SETTINGS)
    assert log.actor == exchanger
    assert log.details["action"] == "connection_created" and log.details["connection"] == "ut"


def test_endpoint_follows_the_code(client, staff):
    connection = make_connection(code="shop-2")
    client.force_login(staff.admin)
    page = client.get(reverse("onec:connection_edit", args=[connection.pk]))
    assert page.context["endpoint_url"] == "http://testserver/exchange/1c/shop-2/"


def test_invalid_options_and_fields_write_nothing(client, staff, exchanger):
    make_connection(code="ut")
    client.force_login(staff.admin)
    response = client.post(
        reverse("onec:connection_create") + "?kind=commerceml",
        {
            "name": "Second",
            "code": "ut",
            "run_as": exchanger.pk,
            **{**CML_OPTIONS, "options-file_limit": "12"},
        },
    )
    assert response.status_code == 422
    assert Connection.objects.count() == 1
    assert response.context["options_form"].errors["file_limit"]
    # The options were invalid, so the service was not asked; with valid options the code
    # clash is the service's refusal, shown on the field.
    response = client.post(
        reverse("onec:connection_create") + "?kind=commerceml",
        {"name": "Second", "code": "ut", "run_as": exchanger.pk, **CML_OPTIONS},
    )
    assert response.status_code == 422
    assert "already has the code" in str(response.context["form"].errors["code"])
    assert Connection.objects.count() == 1


def test_run_as_must_have_the_exchange_permission(staff):
    with pytest.raises(ValidationError) as info:
        services.connection_create(
            actor=staff.admin, kind="commerceml", code="x", name="X", run_as=staff.manager1
        )
    assert "run_as" in info.value.message_dict
    assert not Connection.objects.exists()
    # The form does not even offer such a user.
    from rapport.exchange.onec.forms import ConnectionForm

    choices = ConnectionForm(kind="commerceml").fields["run_as"].queryset
    assert staff.admin in choices and staff.manager1 not in choices


def test_commerceml_has_no_schedule(staff):
    with pytest.raises(ValidationError) as info:
        services.connection_create(
            actor=staff.admin, kind="commerceml", code="x", name="X", schedule_minutes=5
        )
    assert "schedule_minutes" in info.value.message_dict


def test_service_refuses_users_without_permission(staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.connection_create(actor=staff.director, kind="odata", code="x", name="X")
    connection = make_connection()
    with pytest.raises(PermissionDenied):
        services.connection_update(actor=staff.manager1, connection=connection, name="Y")
    with pytest.raises(PermissionDenied):
        services.connection_delete(actor=staff.viewer, connection=connection)
    connection.refresh_from_db()
    assert connection.name == "1C buh"


ODATA = {
    "options-base_url": "https://1c.example.com/bp/odata/standard.odata/",
    "options-username": "crm",
    "options-configuration": "auto",
    "options-objects": ["counterparties", "goods"],
}


def test_odata_password_is_write_only(client, staff):
    client.force_login(staff.admin)
    url = reverse("onec:connection_create") + "?kind=odata"
    page = client.get(url)
    html = page.content.decode()
    assert 'name="options-password"' in html and 'data-testid="odata-check"' in html
    assert 'hx-post="/exchange/odata/check/"' in html
    response = client.post(
        url,
        {
            "name": "Books",
            "code": "bp",
            "run_as": str(staff.admin.pk),
            "schedule_minutes": "15",
            "options-password": "s3cret!",
            **ODATA,
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    connection = Connection.objects.get()
    assert connection.secret == "s3cret!" and connection.schedule_minutes == 15
    assert "password" not in connection.options
    assert connection.options["username"] == "crm"
    assert connection.options["objects"] == ["counterparties", "goods"]
    edit = reverse("onec:connection_edit", args=[connection.pk])
    html = client.get(edit).content.decode()
    assert "s3cret!" not in html and "A password is stored" in html
    assert f'hx-post="/exchange/odata/{connection.pk}/check/"' in html
    assert f'action="/exchange/odata/{connection.pk}/pull/"' in html
    # What the pull keeps in the options survives a save of the form.
    Connection.objects.filter(pk=connection.pk).update(
        options={**connection.options, "cursor": {"payments_from": "2024-05-01T00:00:00"}}
    )
    # Saving with an empty password keeps it; a new one replaces it.
    client.post(
        edit,
        {
            "name": "Books 3.0",
            "code": "bp",
            "run_as": str(staff.admin.pk),
            "schedule_minutes": "30",
            **ODATA,
        },
    )
    connection.refresh_from_db()
    assert connection.secret == "s3cret!" and connection.name == "Books 3.0"
    assert connection.schedule_minutes == 30
    assert connection.options["cursor"] == {"payments_from": "2024-05-01T00:00:00"}
    client.post(
        edit,
        {
            "name": "Books 3.0",
            "code": "bp",
            "run_as": str(staff.admin.pk),
            "options-password": "n3w",
            **ODATA,
        },
    )
    connection.refresh_from_db()
    assert connection.secret == "n3w" and connection.schedule_minutes is None
    changes = [
        log.details["fields"]
        for log in AuditLog.objects.filter(event=services.AUDIT_SETTINGS).order_by("id")
        if log.details["action"] == "connection_updated"
    ]
    assert changes == [["name", "schedule_minutes"], ["schedule_minutes", "secret"]]
    assert all("n3w" not in str(log.details) for log in AuditLog.objects.all())


def test_enterprisedata_page_offers_files_and_numbering(client, exchanger, tmp_path):
    client.force_login(exchanger)
    url = reverse("onec:connection_create") + "?kind=enterprisedata"
    response = client.post(
        url,
        {
            "name": "UNF",
            "code": "unf",
            "options-folder": str(tmp_path),
            "options-our_prefix": "CRM",
            "options-versions": ["1.8"],
            "options-on_error": "skip",
        },
    )
    assert response.status_code == 302, response.context["options_form"].errors
    connection = Connection.objects.get()
    assert connection.options["folder"] == str(tmp_path)
    html = client.get(response["Location"]).content.decode()
    assert f"/exchange/ed/{connection.pk}/upload/" in html
    assert f"/exchange/ed/{connection.pk}/download/" in html
    assert 'data-testid="ed-state"' in html and 'data-testid="run-now"' in html


def test_kind_cannot_be_changed(client, staff):
    connection = make_connection(kind="odata", code="bp")
    client.force_login(staff.admin)
    client.post(
        reverse("onec:connection_edit", args=[connection.pk]),
        {"kind": "commerceml", "name": "Books", "code": "bp", **ODATA},
    )
    connection.refresh_from_db()
    assert connection.kind == "odata" and connection.name == "Books"


def test_list_shows_connections_with_last_session_and_conflicts(client, staff):
    connection = make_connection(code="ut", name="Trade")
    make_connection(kind="odata", code="bp", name="Books", schedule_minutes=15, is_active=False)
    make_session(connection, minutes_ago=30, status="failed")
    newest = make_session(connection, minutes_ago=1)
    client.force_login(staff.admin)
    with_queries = client.get(reverse("onec:connections"))
    html = with_queries.content.decode()
    assert "Trade" in html and "Books" in html and "every 15 minutes" in html
    rows = {c.code: c for c in with_queries.context["connections"]}
    assert rows["ut"].last_session == newest and rows["bp"].last_session is None
    assert rows["ut"].open_conflicts == 0


def test_delete_connection(client, staff):
    connection = make_connection()
    make_session(connection)
    client.force_login(staff.admin)
    response = client.post(reverse("onec:connection_delete", args=[connection.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("onec:connections")
    assert not Connection.objects.exists()
    log = AuditLog.objects.get(event=services.AUDIT_SETTINGS)
    assert log.details == {
        "action": "connection_deleted",
        "connection": "buh",
        "kind": "commerceml",
    }


def test_default_manager_must_be_able_to_own_clients(staff):
    with pytest.raises(ValidationError) as info:
        services.connection_create(
            actor=staff.admin, kind="odata", code="x", name="X", default_manager=staff.viewer
        )
    assert "default_manager" in info.value.message_dict
    inactive = UserFactory(role=Role.MANAGER, is_active=False)
    with pytest.raises(ValidationError):
        services.connection_create(
            actor=staff.admin, kind="odata", code="x", name="X", default_manager=inactive
        )


def test_connection_list_queries_do_not_grow(client, staff, django_assert_max_num_queries):
    for i in range(6):
        connection = make_connection(code=f"c{i}")
        make_session(connection, minutes_ago=10)
        make_session(connection, minutes_ago=1)
    client.force_login(staff.admin)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("onec:connections"))
    assert all(c.last_session is not None for c in response.context["connections"])


def test_a_scheduled_connection_needs_the_user_it_acts_as(staff):
    with pytest.raises(ValidationError) as info:
        services.connection_create(
            actor=staff.admin, kind="odata", code="y", name="Y", schedule_minutes=5
        )
    assert "run_as" in info.value.message_dict
