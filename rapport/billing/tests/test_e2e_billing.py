"""Billing in Chromium: a manager issues an invoice with two lines for a client, marks it
sent, records a partial payment (partly paid), then the rest (paid)."""

import pytest
from playwright.sync_api import expect

from rapport.billing.models import Invoice, InvoiceStatus
from rapport.catalog.models import Currency
from rapport.core.models import Organisation
from rapport.parties import services as party_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_issue_invoice_and_record_payments(page, login, staff):
    Organisation.objects.create(name="Our Ltd", currency="EUR")
    Currency.objects.create(code="EUR", name="Euro")
    client = party_services.client_create(
        actor=staff.admin, name="Baltic Freight", manager=staff.manager1, department=staff.sales
    )
    login("manager1")
    page.goto(f"/billing/invoices/new/?client={client.pk}")
    descriptions = page.get_by_test_id("line-description")
    descriptions.nth(0).fill("Freight audit")
    page.get_by_test_id("line-quantity").nth(0).fill("2")
    page.get_by_test_id("line-price").nth(0).fill("150")
    page.get_by_test_id("line-vat").nth(0).fill("20")
    page.get_by_test_id("line-add").click()
    descriptions.nth(1).fill("Report")
    page.get_by_test_id("line-price").nth(1).fill("100")
    page.get_by_test_id("line-vat").nth(1).fill("20")
    page.get_by_test_id("line-vat").nth(1).press("Tab")
    expect(page.get_by_test_id("total-total")).to_contain_text("400.00")
    page.get_by_test_id("form-submit").click()
    page.get_by_test_id("invoice-send").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Sent")
    invoice = Invoice.objects.get()
    assert invoice.number and invoice.lines.count() == 2 and str(invoice.total) == "400.00"

    page.get_by_test_id("invoice-pay").click()
    page.fill("#id_amount", "150")
    page.get_by_test_id("alloc-input").fill("150")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partly paid")
    expect(page.get_by_test_id("invoice-outstanding")).to_have_text("250.00")

    page.get_by_test_id("invoice-pay").click()
    page.get_by_test_id("form-submit").click()  # prefilled with what is still owed
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert page.console_errors == []
