"""Two transactions sending invoices at the same moment get different, gap-free
numbers (PostgreSQL: the series row is locked with SELECT ... FOR UPDATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from rapport.billing import services
from rapport.billing.models import Invoice

from .conftest import issue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_transactions_get_different_numbers(world):
    m1 = world.staff.manager1
    issue(m1, world.client1)  # the series exists
    drafts = [issue(m1, world.client1, send=False) for _n in range(6)]
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def send(invoice: Invoice) -> None:
        try:
            barrier.wait()
            services.invoice_send(actor=m1, invoice=invoice)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number_seq", flat=True))
    assert numbers == list(range(1, 8))
