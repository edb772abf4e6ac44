"""Receivables by age bucket (hand-computed, as of a given day) and the due-date
reminder (once per invoice and day)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rapport.billing import selectors, services
from rapport.billing.tasks import invoices_due_notify
from rapport.core.models import Notification

from .conftest import TODAY, issue

D = Decimal
pytestmark = pytest.mark.django_db


def _due(days_overdue: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_overdue)


def test_buckets_hand_computed(world):
    m1, d = world.staff.manager1, world.staff.director
    start = dt.date(2024, 1, 1)
    for total, overdue in (
        ("10", -3),  # not due yet
        ("20", 0),  # due today: not due
        ("30", 1),  # 1-30
        ("40", 30),  # 1-30
        ("50", 31),  # 31-60
        ("60", 61),  # 61-90
        ("70", 90),  # 61-90
        ("80", 91),  # >90
    ):
        issue(m1, world.client1, total=total, date=start, due=_due(overdue))
    partly = issue(m1, world.client1, total="100", date=start, due=_due(45))
    services.payment_record(
        actor=m1,
        client=world.client1,
        amount="25",
        allocations=[{"invoice": partly, "amount": "25"}],
    )
    paid = issue(m1, world.client1, total="5", date=start, due=_due(10))
    services.payment_record(
        actor=m1, client=world.client1, amount="5", allocations=[{"invoice": paid}]
    )
    issue(m1, world.client1, total="999", date=start, due=_due(10), send=False)  # draft
    cancelled = issue(m1, world.client1, total="999", date=start, due=_due(10))
    services.invoice_cancel(actor=m1, invoice=cancelled)
    issue(d, world.client3, total="7", date=start, due=_due(200))

    rows = selectors.receivables_by_client(actor=m1, today=TODAY)
    assert len(rows) == 1  # manager1 does not see Gamma
    row = rows[0]
    assert row["client__name"] == "Alpha" and row["currency_id"] == "EUR"
    assert row["not_due"] == D("30")
    assert row["d1_30"] == D("70")
    assert row["d31_60"] == D("125")  # 50 + 75 still owed of the partly paid one
    assert row["d61_90"] == D("130")
    assert row["d90_plus"] == D("80")
    assert row["outstanding"] == D("435")
    assert row["overdue"] == D("405")

    everyone = selectors.receivables_by_client(actor=d, today=TODAY)
    assert [r["client__name"] for r in everyone] == ["Alpha", "Gamma"]
    assert everyone[1]["d90_plus"] == D("7")
    by_manager = selectors.receivables_by_manager(actor=d, today=TODAY)
    managers = {r["manager_name"]: r for r in by_manager}
    assert sum(r["outstanding"] for r in managers.values()) == D("442")
    totals = selectors.receivables_totals(actor=d, today=TODAY)
    assert totals[0]["d90_plus"] == D("87")
    # a later day moves the money to older buckets
    later = selectors.receivables_by_client(actor=m1, today=TODAY + dt.timedelta(days=30))[0]
    assert later["not_due"] == D("0") and later["d90_plus"] == D("210")


def test_currencies_are_not_added_together(world):
    m1 = world.staff.manager1
    issue(m1, world.client1, total="10", date=_due(9), due=_due(5))
    issue(m1, world.client1, total="20", date=_due(9), due=_due(5), currency="USD")
    rows = selectors.receivables_by_client(actor=m1, today=TODAY)
    assert {(r["currency_id"], r["d1_30"]) for r in rows} == {("EUR", D("10")), ("USD", D("20"))}


def test_due_reminder_once_per_invoice_and_day(world):
    m1 = world.staff.manager1
    due_today = issue(m1, world.client1, total="10", date=TODAY, due=TODAY)
    overdue = issue(m1, world.client1, total="10", date=_due(20), due=_due(2))
    old = issue(m1, world.client1, total="10", date=_due(60), due=_due(40))
    paid = issue(m1, world.client1, total="10", date=TODAY, due=TODAY)
    services.payment_record(
        actor=m1, client=world.client1, amount="10", allocations=[{"invoice": paid}]
    )
    issue(world.staff.director, world.client3, total="10", date=TODAY, due=TODAY)

    assert invoices_due_notify(today=TODAY) == 3
    assert invoices_due_notify(today=TODAY) == 0  # a re-run notifies nobody again
    mine = Notification.objects.filter(user=m1)
    assert {n.object_id for n in mine} == {str(due_today.pk), str(overdue.pk)}
    assert {n.kind for n in mine} == {"invoice_due", "invoice_overdue"}
    assert not mine.filter(object_id=str(old.pk)).exists()
    assert Notification.objects.filter(user=world.staff.manager3).count() == 1
    # the next day the invoice due today is newly overdue: one more, and only once
    assert invoices_due_notify(today=TODAY + dt.timedelta(days=1)) == 2
    assert invoices_due_notify(today=TODAY + dt.timedelta(days=1)) == 0
