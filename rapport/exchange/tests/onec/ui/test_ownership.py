"""The field ownership table: every target and field of the policy with a select, saving
changes (and going back to a default removes the override), refusals write nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rapport.core.models import AuditLog
from rapport.exchange.models import FieldOwnership, Owner
from rapport.exchange.onec import policy, services

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def test_table_lists_every_policy_field_with_its_master(client, exchanger):
    connection = make_connection()
    FieldOwnership.objects.create(
        connection=connection, target="client", field="phones", owner=Owner.CRM
    )
    client.force_login(exchanger)
    response = client.get(reverse("onec:ownership", args=[connection.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    for target, (_label, fields) in policy.TARGET_FIELDS.items():
        for field in fields:
            assert f"{target}__{field}" in form.fields
    assert form["client__phones"].value() == Owner.CRM
    assert form["client__tax_id"].value() == Owner.EXTERNAL  # the default
    assert form["client__name"].value() == Owner.SHARED
    html = response.content.decode()
    assert "Clients (counterparties)" in html and "Tax id" in html


def _all_fields(connection, **changes):
    data = {}
    for group in services.selectors.ownership_table(actor=connection.run_as, connection=connection):
        for row in group.rows:
            data[f"{row.target}__{row.field}"] = row.owner
    data.update(changes)
    return data


def test_save_changes_and_back_to_default(client, exchanger):
    connection = make_connection(run_as=exchanger)
    client.force_login(exchanger)
    url = reverse("onec:ownership", args=[connection.pk])
    response = client.post(url, _all_fields(connection, client__name="crm", product__name="shared"))
    assert response.status_code == 302
    assert set(FieldOwnership.objects.values_list("target", "field", "owner")) == {
        ("client", "name", "crm"),
        ("product", "name", "shared"),
    }
    assert policy.owner_of(connection, "client", "name") == Owner.CRM
    assert policy.owner_of(connection, "client", "phones") == Owner.SHARED
    log = AuditLog.objects.get(event=services.AUDIT_SETTINGS)
    assert sorted(log.details["changes"]) == [
        "client.name: shared -> crm",
        "product.name: external -> shared",
    ]
    # The default again: the override row goes, the policy default applies.
    client.post(url, _all_fields(connection, client__name="shared", product__name="shared"))
    assert list(FieldOwnership.objects.values_list("target", "field")) == [("product", "name")]
    assert policy.owner_of(connection, "client", "name") == Owner.SHARED


def test_invalid_owner_writes_nothing(client, exchanger):
    connection = make_connection(run_as=exchanger)
    client.force_login(exchanger)
    data = _all_fields(connection, client__name="crm", client__phones="nobody")
    response = client.post(reverse("onec:ownership", args=[connection.pk]), data)
    assert response.status_code == 422
    assert not FieldOwnership.objects.exists()


def test_service_validates_and_checks_permission(staff, exchanger):
    connection = make_connection()
    with pytest.raises(ValidationError):
        services.ownership_set(
            actor=exchanger,
            connection=connection,
            target="client",
            field="password",
            owner="crm",
        )
    with pytest.raises(ValidationError):
        services.ownership_set_many(
            actor=exchanger,
            connection=connection,
            values={("client", "name"): "crm", ("client", "phones"): "both"},
        )
    with pytest.raises(PermissionDenied):
        services.ownership_set(
            actor=staff.director,
            connection=connection,
            target="client",
            field="name",
            owner="crm",
        )
    assert not FieldOwnership.objects.exists()
    assert services.ownership_set(
        actor=exchanger, connection=connection, target="client", field="name", owner="crm"
    )
    assert not services.ownership_set(
        actor=exchanger, connection=connection, target="client", field="name", owner="crm"
    )
    assert FieldOwnership.objects.get().owner == "crm"


def test_ownership_is_per_connection(exchanger):
    first, second = make_connection(code="a"), make_connection(code="b")
    services.ownership_set(
        actor=exchanger, connection=first, target="client", field="tax_id", owner="crm"
    )
    assert policy.owner_of(first, "client", "tax_id") == Owner.CRM
    assert policy.owner_of(second, "client", "tax_id") == Owner.EXTERNAL
