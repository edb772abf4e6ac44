"""The demo builder: invoices for a few clients (no deals), paid, partly paid, overdue,
one draft."""

import pytest

from rapport.billing.demo import create_demo_billing
from rapport.billing.models import Invoice, InvoiceStatus, NumberSeries
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_demo_without_deals(world):
    clients = [ClientFactory(manager=world.staff.manager1) for _n in range(8)]
    create_demo_billing(users={"admin": world.staff.admin}, clients=clients)
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {
        InvoiceStatus.PAID,
        InvoiceStatus.PARTLY_PAID,
        InvoiceStatus.SENT,
        InvoiceStatus.DRAFT,
    }
    assert NumberSeries.objects.filter(organisation=world.org).exists()
