"""The OData actions: check connection (HTMX), pull now, push an invoice; permission."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from rapport.exchange.models import ExchangeSession
from rapport.exchange.onec.odata.options import OptionsForm, merge_options, secret_from

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def url(name, *args):
    try:
        return reverse(f"onec:onec_odata:{name}", args=args)
    except NoReverseMatch:
        return reverse(f"onec_odata:{name}", args=args)


def test_check_connection_fragment(client, bp30, staff):
    connection = make_connection(bp30, staff)
    client.force_login(staff.admin)
    answer = client.post(url("check", connection.pk), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Accounting 3.0" in text and "Contact persons" in text and "Payments received" in text
    assert "Invoices can be created in 1C" in text


def test_check_with_typed_wrong_password(client, bp30, staff):
    connection = make_connection(bp30, staff)
    client.force_login(staff.admin)
    answer = client.post(
        url("check", connection.pk), {"options-password": "nope"}, HTTP_HX_REQUEST="true"
    )
    assert "refused the user name or password" in answer.content.decode()


def test_actions_need_the_exchange_permission(client, bp30, staff):
    connection = make_connection(bp30, staff)
    client.force_login(staff.manager1)
    assert client.post(url("check", connection.pk)).status_code == 404
    assert client.post(url("pull", connection.pk)).status_code == 404
    assert not ExchangeSession.objects.exists()


def test_pull_now_redirects_to_the_session(
    client, bp30, staff, money, django_capture_on_commit_callbacks
):
    connection = make_connection(bp30, staff)
    client.force_login(staff.admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url("pull", connection.pk))
    session = ExchangeSession.objects.get()
    assert answer.status_code == 302 and str(session.pk) in answer["Location"]
    session.refresh_from_db()
    assert session.status == "done", session.message


def test_options_form_keeps_cursor_and_password(bp30, staff):
    connection = make_connection(bp30, staff)
    connection.options["cursor"] = {"payments_from": "2021-09-01T12:00:00"}
    form = OptionsForm(
        {
            "base_url": bp30.url,
            "username": "odata",
            "password": "",
            "objects": ["counterparties", "payments"],
            "configuration": "bp30",
            "organisation": "87FA6CC2-E901-11EA-8591-000C29B45B09",
        }
    )
    assert form.is_valid(), form.errors
    options = merge_options(connection, form.cleaned_data)
    assert options["base_url"].endswith("/odata/standard.odata/")
    assert options["cursor"] == {"payments_from": "2021-09-01T12:00:00"}
    assert options["organisation"] == "87fa6cc2-e901-11ea-8591-000c29b45b09"
    assert "password" not in options
    assert secret_from(connection, form.cleaned_data) == "secret"
    bad = OptionsForm({"base_url": "ftp://x", "configuration": "auto", "organisation": "x"})
    assert not bad.is_valid() and {"base_url", "organisation"} <= set(bad.errors)
