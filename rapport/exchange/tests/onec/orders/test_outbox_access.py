"""Queuing for 1C: only users with the exchange permission, only records they can see;
the card's fragment shows the state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as WebClient
from django.urls import reverse

from rapport.billing.models import Invoice
from rapport.exchange.models import OutboxItem, OutboxState
from rapport.exchange.onec import outbox

from .conftest import issue

pytestmark = pytest.mark.django_db


def test_only_users_with_the_exchange_permission_queue(connection, world, staff):
    invoice = issue(staff.admin, world.company)
    with pytest.raises(PermissionDenied):
        outbox.outbox_queue(actor=staff.manager1, record=invoice)
    assert not OutboxItem.objects.exists()
    staff.manager1.can_exchange = True
    staff.manager1.save()
    items = outbox.outbox_queue(actor=staff.manager1, record=invoice)
    assert [i.state for i in items] == [OutboxState.PENDING]
    assert Invoice.objects.get(pk=invoice.pk).marked_for_1c


def test_the_invoice_must_be_visible_to_the_actor(connection, world, staff):
    invoice = issue(staff.admin, world.company)  # of manager1, sales department
    staff.manager3.can_exchange = True
    staff.manager3.save()
    with pytest.raises(PermissionDenied):
        outbox.outbox_queue(actor=staff.manager3, record=invoice)
    assert not OutboxItem.objects.exists()
    assert not Invoice.objects.get(pk=invoice.pk).marked_for_1c


def test_drafts_and_missing_connections_are_refused_readably(connection, world, staff):
    draft = issue(staff.admin, world.company, send=False)
    with pytest.raises(ValidationError, match="draft"):
        outbox.outbox_queue(actor=staff.admin, record=draft)
    connection.is_active = False
    connection.save()
    invoice = issue(staff.admin, world.company)
    with pytest.raises(ValidationError, match="No active CommerceML connection"):
        outbox.outbox_queue(actor=staff.admin, record=invoice)


def test_queue_twice_is_one_item_and_unqueue_removes_it(connection, world, staff):
    invoice = issue(staff.admin, world.company)
    outbox.outbox_queue(actor=staff.admin, record=invoice)
    outbox.outbox_queue(actor=staff.admin, record=invoice)
    assert OutboxItem.objects.count() == 1
    assert outbox.outbox_unqueue(actor=staff.admin, record=invoice) == 1
    assert not Invoice.objects.get(pk=invoice.pk).marked_for_1c


def test_card_fragment_and_button(connection, world, staff):
    invoice = issue(staff.admin, world.company)
    web = WebClient()
    web.force_login(staff.manager1)  # sees the invoice, may not exchange
    state_url = reverse("onec_outbox:state", args=["invoice", invoice.pk])
    queue_url = reverse("onec_outbox:queue", args=["invoice", invoice.pk])
    page = web.get(state_url)
    assert page.status_code == 200
    assert b'data-testid="onec-send"' not in page.content
    assert web.post(queue_url).status_code == 404
    assert not OutboxItem.objects.exists()

    web.force_login(staff.manager3)  # does not see it at all
    assert web.get(state_url).status_code == 404

    web.force_login(staff.admin)
    page = web.get(state_url)
    assert b'data-testid="onec-send"' in page.content
    answer = web.post(queue_url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert "Waiting for 1C" in answer.content.decode()
    assert OutboxItem.objects.get().state == OutboxState.PENDING


def test_invoice_card_offers_create_in_1c_per_odata_connection(world, staff):
    """An OData connection puts "Create in 1C" on an issued invoice's card for users who
    may exchange; once 1C has it (its Ref_Key is known) the card says so instead."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.core.models import ExternalId
    from rapport.exchange.models import Connection, ConnectionKind

    buh = Connection.objects.create(kind=ConnectionKind.ODATA, code="buh", name="БП 3.0")
    invoice = issue(staff.admin, world.company)
    state_url = reverse("onec_outbox:state", args=["invoice", invoice.pk])
    push_url = reverse("onec:onec_odata:push_invoice", args=[buh.pk, invoice.pk])
    web = WebClient()
    web.force_login(staff.manager1)  # sees the invoice, may not exchange
    assert push_url not in web.get(state_url).content.decode()
    web.force_login(staff.admin)
    html = web.get(state_url).content.decode()
    assert 'data-testid="onec-odata-push"' in html and push_url in html
    ExternalId.objects.create(
        content_type=ContentType.objects.get_for_model(Invoice),
        object_id=str(invoice.pk),
        system=buh.system,
        value="5c7d3c52-0000-11ef-8000-000c29000001",
    )
    html = web.get(state_url).content.decode()
    assert 'data-testid="onec-odata-created"' in html and push_url not in html
