"""Conflicts for a person to resolve: made by a real exchange run (both sides changed a
shared field), listed open first with both values, resolved either way; a record outside
the user's scope is hidden and cannot be resolved by them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rapport.core.models import AuditLog
from rapport.exchange.models import Conflict, ConflictStatus
from rapport.exchange.onec import selectors, services
from rapport.exchange.onec.sessions import session_open
from rapport.exchange.onec.sync import ExchangeRun, Outcome
from rapport.parties import services as party_services
from rapport.parties.models import Client, RelationshipStatus

from .conftest import make_connection

pytestmark = pytest.mark.django_db

GUID = "8d3f0c5e-2b1a-11e5-80c4-00155d000a01"


@pytest.fixture
def conflict(staff):
    """1C sent “Alpha”, the CRM renamed it, 1C sent “Alpha Trading”: a conflict on name."""
    RelationshipStatus.objects.get_or_create(code="lead", defaults={"name": "Lead"})
    connection = make_connection(
        kind="odata", code="bp", run_as=staff.admin, default_manager=staff.manager1
    )
    first = ExchangeRun.for_session(session_open(connection=connection, channel="pull", user=None))
    outcome, record = first.upsert(
        target="client", external_id=GUID, values={"name": "Alpha", "tax_id": "7707083893"}
    )
    assert outcome == Outcome.CREATED
    party_services.client_update(actor=staff.manager1, client=record, name="Alpha CRM")
    session = session_open(connection=connection, channel="pull", user=None)
    second = ExchangeRun.for_session(session)
    outcome, _record = second.upsert(
        target="client", external_id=GUID, values={"name": "Alpha Trading", "tax_id": "7707083893"}
    )
    assert outcome == Outcome.UNCHANGED
    return Conflict.objects.get()


def test_listed_with_both_values(client, staff, conflict):
    client.force_login(staff.admin)
    response = client.get(reverse("onec:conflicts"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row.visible and row.crm_lines == ["Alpha CRM"]
    assert row.external_lines == ["Alpha Trading"]
    assert row.field_label == "Name"
    html = response.content.decode()
    assert "Alpha CRM" in html and "Alpha Trading" in html
    assert f'href="/clients/{conflict.object_id}/"' in html
    assert 'data-testid="take-external"' in html
    # The badge in the tabs and the session page list it too.
    assert response.context["onec_open_conflicts"] == 1
    session_page = client.get(reverse("onec:session", args=[conflict.session_id]))
    assert "Alpha Trading" in session_page.content.decode()


def test_take_1c_value(client, staff, conflict):
    client.force_login(staff.admin)
    response = client.post(
        reverse("onec:conflict_resolve", args=[conflict.pk]), {"choice": "external"}
    )
    assert response.status_code == 302
    record = Client.objects.get(pk=conflict.object_id)
    assert record.name == "Alpha Trading"
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.TOOK_EXTERNAL
    assert conflict.resolved_by == staff.admin and conflict.resolved_at is not None
    log = AuditLog.objects.get(event=services.AUDIT_CONFLICT)
    assert log.details["action"] == "took_external" and log.details["field"] == "name"
    # History names who wrote it.
    assert record.history.first().history_user == staff.admin
    assert selectors.open_conflicts_count(actor=staff.admin) == 0


def test_keep_crm_value_and_next_exchange_leaves_it(client, staff, conflict):
    client.force_login(staff.admin)
    client.post(reverse("onec:conflict_resolve", args=[conflict.pk]), {"choice": "crm"})
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.KEPT_CRM
    record = Client.objects.get(pk=conflict.object_id)
    assert record.name == "Alpha CRM"
    # 1C sends the same again: nothing changes, no new conflict.
    run = ExchangeRun.for_session(
        session_open(connection=conflict.connection, channel="pull", user=None)
    )
    outcome, _ = run.upsert(
        target="client", external_id=GUID, values={"name": "Alpha Trading", "tax_id": "7707083893"}
    )
    assert outcome == Outcome.UNCHANGED
    assert Client.objects.get(pk=record.pk).name == "Alpha CRM"
    assert Conflict.objects.filter(status=ConflictStatus.OPEN).count() == 0


def test_resolved_once_only(staff, conflict):
    services.conflict_resolve(actor=staff.admin, conflict=conflict, choice="crm")
    with pytest.raises(ValidationError):
        services.conflict_resolve(actor=staff.admin, conflict=conflict, choice="external")
    assert Client.objects.get(pk=conflict.object_id).name == "Alpha CRM"
    with pytest.raises(ValidationError):
        services.conflict_resolve(actor=staff.admin, conflict=conflict, choice="maybe")


def test_open_first(client, staff, conflict):
    services.conflict_resolve(actor=staff.admin, conflict=conflict, choice="crm")
    other = Conflict.objects.create(
        connection=conflict.connection,
        content_type=conflict.content_type,
        object_id=conflict.object_id,
        target="client",
        field="phones",
        crm_value=[{"value": "+74951234567", "type": "work"}],
        external_value=[{"value": "+74957654321", "type": ""}],
    )
    rows = selectors.conflict_list(actor=staff.admin)
    assert [r.conflict.pk for r in rows] == [other.pk, conflict.pk]
    assert rows[0].crm_lines == ["+74951234567 (work)"]
    only_open = selectors.conflict_list(actor=staff.admin, status="open")
    assert [r.conflict.pk for r in only_open] == [other.pk]


def test_record_outside_scope_is_hidden(client, staff, exchanger, conflict):
    """The exchanger is a manager of Sales; the client belongs to manager1 of Sales but is
    not shared with the exchanger, so the values are hidden and resolving answers 404."""
    from rapport.core import access

    visible = access.visible_to(exchanger, Client).filter(pk=conflict.object_id).exists()
    assert not visible
    client.force_login(exchanger)
    response = client.get(reverse("onec:conflicts"))
    [row] = response.context["rows"]
    assert not row.visible
    html = response.content.decode()
    assert "Alpha CRM" not in html and "Alpha Trading" not in html
    assert 'data-testid="take-external"' not in html
    answer = client.post(
        reverse("onec:conflict_resolve", args=[conflict.pk]), {"choice": "external"}
    )
    assert answer.status_code == 404
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN
    assert Client.objects.get(pk=conflict.object_id).name == "Alpha CRM"
    with pytest.raises(PermissionDenied):
        services.conflict_resolve(actor=exchanger, conflict=conflict, choice="external")


def test_refused_write_keeps_conflict_open(client, staff, conflict):
    """1C's value that the CRM refuses (an empty name) leaves everything as it was."""
    Conflict.objects.filter(pk=conflict.pk).update(external_value="")
    client.force_login(staff.admin)
    client.post(reverse("onec:conflict_resolve", args=[conflict.pk]), {"choice": "external"})
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN
    assert Client.objects.get(pk=conflict.object_id).name == "Alpha CRM"
    assert not AuditLog.objects.filter(event=services.AUDIT_CONFLICT).exists()


def test_badge_count_needs_permission(staff, conflict):
    assert selectors.open_conflicts_count(actor=staff.admin) == 1
    assert selectors.open_conflicts_count(actor=staff.director) == 0
    assert selectors.open_conflicts_count(actor=None) == 0


def test_exchange_manager_resolves_a_conflict_of_their_client(client, staff, exchanger, conflict):
    """A manager with the exchange permission who manages the client may resolve it."""
    Client.objects.filter(pk=conflict.object_id).update(manager=exchanger)
    client.force_login(exchanger)
    page = client.get(reverse("onec:conflicts"))
    assert 'data-testid="take-external"' in page.content.decode()
    client.post(reverse("onec:conflict_resolve", args=[conflict.pk]), {"choice": "external"})
    assert Client.objects.get(pk=conflict.object_id).name == "Alpha Trading"
    conflict.refresh_from_db()
    assert conflict.resolved_by == exchanger


def test_conflict_list_queries_do_not_grow(client, staff, conflict, django_assert_max_num_queries):
    for field in ("phones", "emails", "legal_name", "addresses"):
        Conflict.objects.create(
            connection=conflict.connection,
            content_type=conflict.content_type,
            object_id=conflict.object_id,
            target="client",
            field=field,
            crm_value="a",
            external_value="b",
        )
    client.force_login(staff.admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("onec:conflicts"))
    assert len(response.context["rows"]) == 5


def test_confidential_clients_contact_details_stay_masked(client, staff, conflict):
    """A head of department sees the VIP client but not its phones: the conflict's values
    are masked and the head cannot settle it."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.core.models import Role
    from rapport.core.tests.factories import UserFactory

    head = UserFactory(
        username="exchange_head", role=Role.HEAD, department=staff.sales, can_exchange=True
    )
    Client.objects.filter(pk=conflict.object_id).update(
        is_confidential=True, department=staff.sales
    )
    phones = Conflict.objects.create(
        connection=conflict.connection,
        content_type=ContentType.objects.get_for_model(Client),
        object_id=conflict.object_id,
        target="client",
        field="phones",
        crm_value=[{"value": "+74951234567", "type": "work"}],
        external_value=[{"value": "+74957654321", "type": "work"}],
    )
    client.force_login(head)
    page = client.get(reverse("onec:conflicts"))
    rows = {row.conflict.pk: row for row in page.context["rows"]}
    assert rows[phones.pk].visible and rows[phones.pk].crm_lines == ["•••"]
    html = page.content.decode()
    assert "4951234567" not in html and "4957654321" not in html
    answer = client.post(
        reverse("onec:conflict_resolve", args=[phones.pk]), {"choice": "external"}, follow=True
    )
    assert "confidential client are hidden from you" in answer.content.decode()
    phones.refresh_from_db()
    assert phones.status == ConflictStatus.OPEN
