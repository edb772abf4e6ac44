"""Invoices and payments: numbering, line amounts, totals, transitions, allocations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.billing import services
from rapport.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberSeries,
    Payment,
    PaymentAllocation,
)
from rapport.core.models import Organisation

from .conftest import TODAY, issue

D = Decimal
pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(InvoiceLine.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(PaymentAllocation.objects.order_by("pk").values()),
        list(NumberSeries.objects.order_by("pk").values()),
    )


# --- numbering ------------------------------------------------------------------------


def test_numbers_are_sequential_per_organisation_and_year(world):
    m1 = world.staff.manager1
    other = Organisation.objects.create(name="Zeta branch", currency="EUR")
    a = issue(m1, world.client1)
    b = issue(m1, world.client1)
    c = services.invoice_send(
        actor=m1,
        invoice=services.invoice_create(
            actor=m1,
            client=world.client1,
            organisation=other,
            date=TODAY,
            lines=[{"description": "x", "price": "5"}],
        ),
    )
    assert (a.number, b.number) == ("INV-2025-0001", "INV-2025-0002")
    assert c.number == "INV-2025-0001"  # another organisation counts on its own
    # a new year starts again at 1; a backdated invoice continues its own year
    d = issue(m1, world.client1, date=dt.date(2026, 1, 2))
    e = issue(m1, world.client1, date=dt.date(2025, 12, 30))
    assert d.number == "INV-2026-0001"
    assert e.number == "INV-2025-0003"
    assert issue(m1, world.client1, date=dt.date(2026, 1, 3)).number == "INV-2026-0002"


def test_series_settings_prefix_padding_and_no_reset(world):
    services.number_series_save(
        actor=world.staff.admin,
        organisation=world.org,
        prefix="A/",
        padding=2,
        yearly_reset=False,
        next_number=7,
    )
    m1 = world.staff.manager1
    assert issue(m1, world.client1).number == "A/07"
    assert issue(m1, world.client1, date=dt.date(2026, 1, 1)).number == "A/08"
    with pytest.raises(PermissionDenied):
        services.number_series_save(actor=m1, organisation=world.org, prefix="B")
    with pytest.raises(ValidationError) as exc:
        services.number_series_save(actor=world.staff.admin, organisation=world.org, next_number=0)
    assert "next_number" in exc.value.message_dict


def test_counter_set_below_numbers_in_use_skips_them(world):
    m1 = world.staff.manager1
    issue(m1, world.client1)
    issue(m1, world.client1)
    NumberSeries.objects.update(next_number=1)
    assert issue(m1, world.client1).number == "INV-2025-0003"


def test_a_failed_send_gives_no_number_and_leaves_no_gap(world):
    m1 = world.staff.manager1
    empty = services.invoice_create(actor=m1, client=world.client1, date=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.invoice_send(actor=m1, invoice=empty)
    assert "lines" in exc.value.message_dict
    empty.refresh_from_db()
    assert empty.number == "" and empty.status == InvoiceStatus.DRAFT
    assert issue(m1, world.client1).number == "INV-2025-0001"


# --- lines and totals -----------------------------------------------------------------


def test_line_vat_and_discount_rounding_prices_include_vat(world):
    invoice = services.invoice_create(
        actor=world.staff.manager1,
        client=world.client1,
        date=TODAY,
        lines=[
            # 3 x 33.335 = 100.005 -> 100.01; 10% discount 10.001 -> 10.00; 90.01 with
            # 20% VAT inside: 90.01 * 20 / 120 = 15.0016.. -> 15.00
            {
                "description": "A",
                "quantity": "3",
                "price": "33.335",
                "discount_percent": "10",
                "vat_rate": "20",
            },
            # 2.5 x 19.99 = 49.975 -> 49.98; no VAT
            {"description": "B", "quantity": "2.5", "price": "19.99"},
        ],
    )
    a, b = invoice.lines.order_by("position")
    assert (a.amount, a.vat_amount) == (D("90.01"), D("15.00"))
    assert (b.amount, b.vat_amount) == (D("49.98"), D("0"))
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        D("124.99"),
        D("15.00"),
        D("139.99"),
    )


def test_line_vat_on_top(world):
    invoice = services.invoice_create(
        actor=world.staff.manager1,
        client=world.client1,
        date=TODAY,
        prices_include_vat=False,
        lines=[{"description": "A", "quantity": "1", "price": "10.05", "vat_rate": "23"}],
    )
    # 10.05 * 23% = 2.3115 -> 2.31
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        D("10.05"),
        D("2.31"),
        D("12.36"),
    )
    invoice = services.invoice_update(
        actor=world.staff.manager1, invoice=invoice, prices_include_vat=True
    )
    # now inside: 10.05 * 23 / 123 = 1.879.. -> 1.88
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        D("8.17"),
        D("1.88"),
        D("10.05"),
    )


def test_bad_lines_name_the_line_and_write_nothing(world):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.invoice_create(
            actor=world.staff.manager1,
            client=world.client1,
            lines=[
                {"description": "ok", "quantity": 1, "price": 1},
                {"description": "bad", "quantity": 0, "price": 1},
                {"quantity": 1, "price": 1},
                {"description": "d", "quantity": 1, "price": 1, "discount_percent": 120},
            ],
        )
    messages = exc.value.message_dict["lines"]
    assert messages[0].startswith("Line 2:") and "quantity" in messages[0]
    assert messages[1].startswith("Line 3:") and "description" in messages[1]
    assert messages[2].startswith("Line 4:") and "discount" in messages[2]
    assert _snapshot() == before


def test_due_date_before_date_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.invoice_create(
            actor=world.staff.manager1,
            client=world.client1,
            date=TODAY,
            due_date=TODAY - dt.timedelta(days=1),
        )
    assert "due_date" in exc.value.message_dict


def test_client_outside_scope_and_readonly_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.invoice_create(actor=world.staff.manager1, client=world.client3)
    assert "client" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.invoice_create(actor=world.staff.viewer, client=world.client1)
    assert not Invoice.objects.exists()


def test_manager_and_department_copied_from_client(world):
    invoice = services.invoice_create(actor=world.staff.director, client=world.client3)
    assert invoice.manager == world.staff.manager3
    assert invoice.department == world.staff.service
    assert invoice.organisation == world.org and invoice.currency_id == "EUR"
    assert invoice.due_date - invoice.date == dt.timedelta(days=10)


# --- transitions ----------------------------------------------------------------------


def test_only_drafts_change_and_send_once(world):
    m1 = world.staff.manager1
    invoice = issue(m1, world.client1)
    assert invoice.status == InvoiceStatus.SENT and invoice.sent_at is not None
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.invoice_update(actor=m1, invoice=invoice, lines=[{"description": "x"}])
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.invoice_send(actor=m1, invoice=invoice)
    assert _snapshot() == before
    # the comment may still change
    services.invoice_update(actor=m1, invoice=invoice, comment="call first")
    invoice.refresh_from_db()
    assert invoice.comment == "call first"


def test_cancel_refused_with_payments_and_allowed_without(world):
    m1 = world.staff.manager1
    invoice = issue(m1, world.client1)
    payment = services.payment_record(
        actor=m1,
        client=world.client1,
        amount="10",
        allocations=[{"invoice": invoice, "amount": "10"}],
    )
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.invoice_cancel(actor=m1, invoice=invoice)
    assert "allocated" in exc.value.message_dict["status"][0]
    assert _snapshot() == before
    services.payment_unallocate(actor=m1, payment=payment, invoice=invoice)
    invoice = services.invoice_cancel(actor=m1, invoice=invoice)
    assert invoice.status == InvoiceStatus.CANCELLED
    assert invoice.outstanding == 0
    with pytest.raises(ValidationError):
        services.invoice_cancel(actor=m1, invoice=invoice)


def test_trash_only_drafts_and_cancelled(world):
    m1 = world.staff.manager1
    sent = issue(m1, world.client1)
    with pytest.raises(ValidationError):
        services.invoice_trash(actor=m1, invoice=sent)
    draft = issue(m1, world.client1, send=False)
    services.invoice_trash(actor=m1, invoice=draft)
    assert Invoice.objects.alive().filter(pk=draft.pk).count() == 0
    services.invoice_restore(actor=m1, invoice=draft)
    assert Invoice.objects.alive().filter(pk=draft.pk).count() == 1


# --- payments and allocations ---------------------------------------------------------


def test_partial_then_full_payment_status(world):
    m1 = world.staff.manager1
    invoice = issue(m1, world.client1, total="100.00")
    services.payment_record(
        actor=m1,
        client=world.client1,
        amount="40",
        allocations=[{"invoice": invoice.pk, "amount": "40"}],
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.outstanding) == (
        InvoiceStatus.PARTLY_PAID,
        D("40"),
        D("60"),
    )
    second = services.payment_record(
        actor=m1, client=world.client1, amount="60", allocations=[{"invoice": invoice}]
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.outstanding == 0
    assert second.allocated_amount == D("60")
    # trashing the second payment brings the invoice back to partly paid
    services.payment_trash(actor=m1, payment=second)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID and invoice.paid_amount == D("40")
    services.payment_restore(actor=m1, payment=second)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_over_allocation_refused(world):
    m1 = world.staff.manager1
    inv = issue(m1, world.client1, total="50.00")
    inv2 = issue(m1, world.client1, total="50.00")
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:  # more than the invoice owes
        services.payment_record(
            actor=m1,
            client=world.client1,
            amount="80",
            allocations=[{"invoice": inv, "amount": "60"}],
        )
    assert "still owes" in exc.value.message_dict["allocations"][0]
    with pytest.raises(ValidationError) as exc:  # more than the payment
        services.payment_record(
            actor=m1,
            client=world.client1,
            amount="60",
            allocations=[{"invoice": inv, "amount": "40"}, {"invoice": inv2, "amount": "30"}],
        )
    assert exc.value.message_dict["allocations"][0].startswith("Allocation 2:")
    assert _snapshot() == before


def test_allocation_rules_currency_client_status(world):
    m1 = world.staff.manager1
    usd = issue(m1, world.client1, currency="USD")
    draft = issue(m1, world.client1, send=False)
    other = issue(world.staff.director, world.client3)
    before = _snapshot()
    for target, text in ((usd, "same currency"), (draft, "draft"), (other, "unknown invoice")):
        with pytest.raises(ValidationError) as exc:
            services.payment_record(
                actor=m1,
                client=world.client1,
                amount="10",
                allocations=[{"invoice": target, "amount": "10"}],
            )
        assert text in exc.value.message_dict["allocations"][0]
    assert _snapshot() == before


def test_auto_allocate_oldest_first_and_allocate_later(world):
    m1 = world.staff.manager1
    newer = issue(m1, world.client1, total="30", due=TODAY + dt.timedelta(days=20))
    older = issue(m1, world.client1, total="50", due=TODAY + dt.timedelta(days=5))
    payment = services.payment_record(
        actor=m1, client=world.client1, amount="60", auto_allocate=True
    )
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == InvoiceStatus.PAID
    assert (newer.status, newer.paid_amount) == (InvoiceStatus.PARTLY_PAID, D("10"))
    assert payment.unallocated == 0
    extra = services.payment_record(actor=m1, client=world.client1, amount="25")
    assert extra.unallocated == D("25")
    services.payment_allocate(actor=m1, payment=extra, invoice=newer)
    newer.refresh_from_db()
    extra.refresh_from_db()
    assert newer.status == InvoiceStatus.PAID and extra.unallocated == D("5")


def test_payment_validation_names_fields(world):
    m1 = world.staff.manager1
    for kwargs, field in (
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "5", "method": "barter"}, "method"),
        ({"amount": "5", "currency": "XXX"}, "currency"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.payment_record(actor=m1, client=world.client1, **kwargs)
        assert field in exc.value.message_dict
    assert not Payment.objects.exists()


def test_restore_refused_when_invoice_paid_meanwhile(world):
    m1 = world.staff.manager1
    invoice = issue(m1, world.client1, total="10")
    first = services.payment_record(
        actor=m1, client=world.client1, amount="10", allocations=[{"invoice": invoice}]
    )
    services.payment_trash(actor=m1, payment=first)
    services.payment_record(
        actor=m1, client=world.client1, amount="10", allocations=[{"invoice": invoice}]
    )
    with pytest.raises(ValidationError):
        services.payment_restore(actor=m1, payment=first)
    assert Payment.objects.get(pk=first.pk).deleted_at is not None
