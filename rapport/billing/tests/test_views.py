"""Billing pages: every page against every role, the forms, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as WebClient

from rapport.billing import services
from rapport.billing.models import Invoice, InvoiceStatus, Payment

from .conftest import TODAY, issue
from .test_api import SEES, WRITES

pytestmark = pytest.mark.django_db


def _web(user):
    client = WebClient()
    client.force_login(user)
    return client


@pytest.fixture
def records(world):
    invoice = issue(world.staff.manager1, world.client1, total="100.00")
    payment = services.payment_record(
        actor=world.staff.manager1,
        client=world.client1,
        amount="30.00",
        allocations=[{"invoice": invoice, "amount": "30.00"}],
    )
    return invoice, payment


@pytest.mark.parametrize("role", sorted(SEES))
def test_page_matrix(world, records, role):
    invoice, payment = records
    web = _web(getattr(world.staff, role))
    seen = SEES[role]
    code = 200 if seen else 404
    assert web.get(f"/billing/invoices/{invoice.pk}/").status_code == code
    assert web.get(f"/billing/payments/{payment.pk}/").status_code == code
    listing = web.get("/billing/invoices/")
    assert listing.status_code == 200
    assert (invoice.number in listing.content.decode()) is seen
    payments = web.get("/billing/payments/").content.decode()
    assert (f"/billing/payments/{payment.pk}/" in payments) is seen
    receivables = web.get("/billing/receivables/")
    assert receivables.status_code == 200
    assert ("Alpha" in receivables.content.decode()) is seen
    panel = web.get(f"/billing/clients/{world.client1.pk}/invoices/")
    assert panel.status_code == code
    new = web.get("/billing/invoices/new/")
    assert new.status_code == (200 if role in WRITES or not role.startswith("viewer") else 403)
    series = web.get("/billing/settings/number-series/")
    assert series.status_code == (200 if role == "admin" else 403)
    cancel = web.post(f"/billing/invoices/{invoice.pk}/cancel/")
    assert cancel.status_code == (302 if role in WRITES else 403 if seen else 404)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID  # refused: a payment is allocated
    pdf = web.get(f"/billing/invoices/{invoice.pk}/pdf/") if not seen else None
    if pdf is not None:
        assert pdf.status_code == 404


def test_create_form_with_lines_then_send_and_pay(world):
    web = _web(world.staff.manager1)
    response = web.post(
        "/billing/invoices/new/",
        {
            "client": str(world.client1.pk),
            "organisation": str(world.org.pk),
            "currency": "EUR",
            "date": "2025-03-15",
            "due_date": "2025-03-25",
            "prices_include_vat": "on",
            "line_product": ["", ""],
            "line_description": ["Design", "Print"],
            "line_quantity": ["2", "100"],
            "line_price": ["50", "0.5"],
            "line_discount_percent": ["", "10"],
            "line_vat_rate": ["20", ""],
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.total == 145 and invoice.lines.count() == 2
    web.post(f"/billing/invoices/{invoice.pk}/send/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    page = web.get(f"/billing/payments/new/?invoice={invoice.pk}").content.decode()
    assert f'name="alloc_{invoice.pk}" value="145.00"' in page
    response = web.post(
        "/billing/payments/new/",
        {
            "client": str(world.client1.pk),
            "amount": "100",
            "method": "bank",
            "date": "2025-03-20",
            f"alloc_{invoice.pk}": "100",
            "next_invoice": str(invoice.pk),
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    detail = web.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "Partly paid" in detail


def test_form_errors_are_shown_and_nothing_saved(world):
    web = _web(world.staff.manager1)
    response = web.post(
        "/billing/invoices/new/",
        {
            "client": str(world.client1.pk),
            "line_description": ["x"],
            "line_quantity": ["0"],
            "line_price": ["1"],
        },
    )
    assert response.status_code == 422
    assert "Line 1:" in response.content.decode()
    assert not Invoice.objects.exists()
    response = web.post(
        "/billing/payments/new/",
        {"client": str(world.client1.pk), "amount": "0", "method": "bank"},
    )
    assert response.status_code == 422 and not Payment.objects.exists()


def test_preview_computes_totals(world):
    web = _web(world.staff.manager1)
    response = web.post(
        "/billing/invoices/preview/",
        {
            "currency": "EUR",
            "line_description": ["a"],
            "line_quantity": ["3"],
            "line_price": ["33.335"],
            "line_vat_rate": ["20"],
            "prices_include_vat": "on",
        },
    )
    assert 'data-testid="total-total">100.01 EUR' in response.content.decode()


def test_invoice_from_deal_page_without_deal_access(world):
    web = _web(world.staff.manager1)
    response = web.get("/billing/invoices/new/?deal=00000000-0000-0000-0000-000000000000")
    assert response.status_code == 302 and not Invoice.objects.exists()


def test_number_series_settings_page(world):
    web = _web(world.staff.admin)
    response = web.post(
        "/billing/settings/number-series/",
        {
            "organisation": str(world.org.pk),
            "prefix": "F-",
            "next_number": "5",
            "padding": "3",
            "yearly_reset": "",
        },
    )
    assert response.status_code == 302
    assert issue(world.staff.manager1, world.client1).number == "F-005"


def test_list_query_count(world, django_assert_max_num_queries):
    m1 = world.staff.manager1
    for n in range(15):
        issue(m1, world.client1, total="10", date=TODAY - dt.timedelta(days=n))
    web = _web(m1)
    with django_assert_max_num_queries(15):
        assert web.get("/billing/invoices/").status_code == 200
    with django_assert_max_num_queries(15):
        assert web.get("/billing/receivables/").status_code == 200
