"""Celery tasks of billing (run by beat once a day, early morning):
``billing.notify_invoices_due`` tells each invoice's manager about invoices due today
and invoices that became overdue (due in the last week, still unpaid).

Idempotent: every notification carries a dedupe key (invoice and day for "due today",
invoice and due date for "overdue"), so a re-run or two racing beats notify nobody twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rapport.core.models import Notification
from rapport.core.notifications import notify

from .models import OPEN_STATUSES, Invoice

# An invoice overdue by more than this is no longer "newly" overdue (a beat that was
# down for a few days still catches up; a first run does not flood with old debts).
NEWLY_OVERDUE_DAYS = 7


def invoices_due_notify(*, today: dt.date | None = None) -> int:
    """Notify the managers; answers how many notifications were created."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=NEWLY_OVERDUE_DAYS)
    invoices = (
        Invoice.objects.alive()
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(due_date=today) | Q(due_date__lt=today, due_date__gte=since))
        .select_related("manager", "client", "client__manager", "currency")
        .order_by("due_date", "id")
    )
    sent = 0
    for invoice in invoices.iterator(chunk_size=500):
        user = invoice.manager or invoice.client.manager
        if user is None:
            continue
        owed = invoice.total - invoice.paid_amount
        with override(user.language):
            amount = f"{formats.number_format(owed, 2)} {invoice.currency_id}"
            if invoice.due_date == today:
                kind = "invoice_due"
                title = _("Due today: %(invoice)s, %(client)s") % {
                    "invoice": invoice,
                    "client": invoice.client.name,
                }
                key = f"invoice_due:{invoice.pk}:{today.isoformat()}:{user.pk}"
            else:
                kind = "invoice_overdue"
                title = _("Overdue: %(invoice)s, %(client)s") % {
                    "invoice": invoice,
                    "client": invoice.client.name,
                }
                key = f"invoice_overdue:{invoice.pk}:{invoice.due_date.isoformat()}:{user.pk}"
            body = _("Outstanding %(amount)s, due %(date)s.") % {
                "amount": amount,
                "date": formats.date_format(invoice.due_date, "SHORT_DATE_FORMAT"),
            }
        existed = Notification.objects.filter(user=user, dedupe_key=key).exists()
        result = notify(
            user=user,
            kind=kind,
            title=title,
            body=body,
            url=invoice.get_absolute_url(),
            record=invoice,
            dedupe_key=key,
        )
        sent += result is not None and not existed
    return sent


@shared_task(name="billing.notify_invoices_due")
def notify_invoices_due() -> int:
    """Beat (daily): invoices due today and newly overdue, to their managers."""
    return invoices_due_notify()
