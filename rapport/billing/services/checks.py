"""Checks and lookups shared by the billing services: write and edit permission, the
client or deal the actor may see, organisation, currency, contact, manager, numbers,
and the row lock of an invoice. Each refusal names the field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from rapport.catalog.models import Currency
from rapport.core import access
from rapport.core.models import Organisation, User
from rapport.parties.models import Client, ContactPerson, ContactRole
from rapport.sales.models import Deal

from ..models import Invoice

# --- checks ---------------------------------------------------------------------------


def pk_of(value: Any) -> Any:
    """The primary key of ``value`` when it is a record, else ``value`` itself (a key
    given as it came: UUID, text or empty)."""
    return getattr(value, "pk", value)


def mark_reason(record: Model, reason: str) -> None:
    """The change reason the next history row of ``record`` gives."""
    setattr(record, "_change_reason", reason)  # noqa: B010  (simple-history's hook attribute)


def require_edit(actor: User, record: Any) -> None:
    if not access.can_edit(actor, record):
        raise PermissionDenied(_("You may not change this record."))


def visible_client(actor: User, client: Client | Any, field: str = "client") -> Client:
    pk = pk_of(client)
    found = access.visible_to(actor, Client).filter(pk=pk).first() if pk else None
    if found is None:
        raise ValidationError({field: [_("Choose a client you can see.")]})
    return found


def _visible_deal(actor: User, deal: Deal | Any) -> Deal:
    pk = pk_of(deal)
    qs: QuerySet[Deal] = Deal.objects.filter(pk=pk, deleted_at__isnull=True)
    if access.has_rule(Deal):
        qs = access.visible_to(actor, Deal, queryset=qs)
    found = qs.select_related("client", "currency", "price_type", "manager").first()
    if found is None or not visible_client_exists(actor, found):
        raise ValidationError({"deal": [_("Choose a deal you can see.")]})
    return found


def visible_client_exists(actor: User, deal: Deal) -> bool:
    if access.has_rule(Deal):
        return True
    return access.visible_to(actor, Client).filter(pk=deal.client_id).exists()


def _organisation(value: Organisation | Any | None) -> Organisation:
    if value is None:
        found = Organisation.objects.order_by("name").first()
    else:
        found = Organisation.objects.filter(pk=pk_of(value)).first()
    if found is None:
        raise ValidationError({"organisation": [_("Choose one of our organisations.")]})
    return found


def _currency(value: Currency | str | None, organisation: Organisation) -> Currency:
    code = pk_of(value) or organisation.currency
    found = Currency.objects.filter(pk=code).first()
    if found is None:
        raise ValidationError({"currency": [_("Unknown currency %(code)s.") % {"code": code}]})
    return found


def _contact(contact: ContactPerson | Any | None, client: Client) -> ContactPerson | None:
    if contact is None or contact == "":
        return None
    pk = pk_of(contact)
    if not ContactRole.objects.filter(contact_id=pk, client=client).exists():
        raise ValidationError({"contact": [_("Choose a contact person of this client.")]})
    return ContactPerson.objects.get(pk=pk)


def _manager(value: User | Any | None) -> User | None:
    if value is None or value == "":
        return None
    found = User.objects.filter(pk=pk_of(value), is_active=True).first()
    if found is None:
        raise ValidationError({"manager": [_("Choose an active user.")]})
    return found


def _lock(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update()
        .select_related("currency", "client", "organisation")
        .get(pk=invoice.pk)
    )
