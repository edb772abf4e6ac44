"""Creating an invoice in 1C from a CRM invoice over OData (where the configuration allows).

``push_invoice`` POSTs ``Document_СчетНаОплатуПокупателю`` (БП 3.0) or
``Document_СчетНаОплатуКлиенту`` (УТ 11) with the organisation, the counterparty (the
client's 1C ``Ref_Key``; a client 1C does not know yet is created first with
``POST Catalog_Контрагенты`` — in УТ 11 with its ``Catalog_Партнеры`` partner) and the
goods rows (``Номенклатура_Key`` from each product's 1C id), then stores the returned
``Ref_Key`` as the invoice's external id, so a payment 1C records against it comes back
allocated to it.

Everything is checked before the first write to 1C: an invoice whose lines name products
1C does not know is refused with the line and the product named, and nothing is created.
An invoice already in 1C is not sent twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice
from rapport.exchange.models import ExchangeSession
from rapport.exchange.onec.sync import ExchangeRun
from rapport.parties.models import Client, ClientKind

from .client import ODataClient, ODataError, is_empty_ref, string
from .mapping import UT11, Profile
from .pull import ISO_CURRENCIES, read_profile


def _vat_rate(rate: Decimal | None) -> str:
    if rate is None:
        return "БезНДС"
    value = Decimal(rate).normalize()
    return f"НДС{format(value, 'f')}"


def _organisation(client: ODataClient, profile: Profile, chosen: str) -> str:
    if chosen:
        return chosen
    organisations = profile.get("organisations")
    if organisations is not None:
        found = client.query(organisations.entity_set, select=organisations.select("ref"), top=2)[
            "value"
        ]
        if len(found) == 1:
            return str(organisations.get(found[0], "ref"))
    raise ValidationError(
        _("Choose the organisation (its 1C Ref_Key) invoices are made out by in the connection.")
    )


def _currency_ref(client: ODataClient, profile: Profile, code: str) -> str | None:
    currencies = profile.get("currencies")
    numeric = next((num for num, iso in ISO_CURRENCIES.items() if iso == code), None)
    if currencies is None or numeric is None or not currencies.has("code"):
        return None
    found = client.query(
        currencies.entity_set,
        select=currencies.select("ref"),
        filter=f"{currencies.fields['code']} eq {string(numeric)}",
    )["value"]
    return str(currencies.get(found[0], "ref")) if found else None


def _counterparty(client: ODataClient, profile: Profile, run: ExchangeRun, customer: Client) -> str:
    """The client's counterparty in 1C, created there if it has none yet."""
    known = run.external_id_of(customer)
    if known:
        return known
    om = profile.get("counterparties")
    if om is None:
        raise ValidationError(_("This infobase does not publish Catalog_Контрагенты."))
    person = customer.kind == ClientKind.PERSON
    values: dict[str, Any] = {
        "name": customer.name,
        "legal_name": customer.legal_name or customer.name,
        "tax_id": customer.tax_id,
        "kpp": str((customer.properties or {}).get("kpp") or ""),
    }
    if om.has("legal_kind"):
        if om.fields["legal_kind"] == "ЮрФизЛицо":
            values["legal_kind"] = "ФизЛицо" if person else "ЮрЛицо"
        else:
            values["legal_kind"] = "ФизическоеЛицо" if person else "ЮридическоеЛицо"
    partners = profile.get("partners")
    if profile.configuration == UT11 and partners is not None and om.has("partner"):
        partner = client.create(
            partners.entity_set,
            partners.to_1c(
                {
                    "name": customer.name,
                    "legal_name": customer.legal_name or customer.name,
                    "is_client": True,
                    "legal_kind": "ЧастноеЛицо" if person else "Компания",
                }
            ),
        )
        values["partner"] = partner["Ref_Key"]
    created = client.create(om.entity_set, om.to_1c(values))
    ref = str(created["Ref_Key"])
    run.link(customer, ref)
    return ref


def push_invoice(
    *,
    client: ODataClient,
    session: ExchangeSession,
    invoice: Invoice,
    profile: Profile | None = None,
) -> tuple[str, bool]:
    """Create ``invoice`` in 1C; answers (its Ref_Key, whether it was created now)."""
    connection = session.connection
    run = ExchangeRun.for_session(session)
    existing = run.external_id_of(invoice)
    if existing:
        return existing, False
    profile = profile or read_profile(client, (connection.options or {}).get("configuration", ""))
    om = profile.get("invoices")
    if om is None or "goods" not in om.sections:
        raise ValidationError(
            _(
                "This infobase does not accept invoices over OData (%(names)s with its goods "
                "table is not published)."
            )
            % {"names": profile.missing.get("invoices") or "Document_СчетНаОплатуПокупателю"}
        )
    label = invoice.number or str(invoice.pk)
    rows = []
    problems = []
    lines = list(invoice.lines.select_related("product").order_by("position"))
    for index, line in enumerate(lines, start=1):
        product_ref = run.external_id_of(line.product) if line.product_id else None
        if not product_ref:
            problems.append(
                _(
                    "line %(n)s “%(text)s”: the product is not in 1C (no 1C id); pull goods "
                    "from this infobase or choose a product that came from it"
                )
                % {"n": index, "text": line.description or (line.product and line.product.name)}
            )
            continue
        rows.append(
            {
                "product": product_ref,
                "text": line.description or (line.product.name if line.product else ""),
                "quantity": float(line.quantity),
                "price": float(line.price),
                "amount": float(line.amount),
                "vat_rate": _vat_rate(line.vat_rate),
                "vat_amount": float(line.vat_amount),
            }
        )
    if not lines:
        problems.append(_("the invoice has no lines"))
    if problems:
        raise ValidationError(
            _("Invoice %(number)s cannot be created in 1C: %(problems)s.")
            % {"number": label, "problems": "; ".join(str(p) for p in problems)}
        )
    organisation = _organisation(
        client, profile, (connection.options or {}).get("organisation", "")
    )
    counterparty = _counterparty(client, profile, run, invoice.client)
    values: dict[str, Any] = {
        "date": f"{invoice.date.isoformat()}T00:00:00",
        "organisation": organisation,
        "counterparty": counterparty,
        "amount": float(invoice.total),
        "includes_vat": bool(invoice.prices_include_vat),
        "comment": _("From Rapport, invoice %(number)s") % {"number": label},
    }
    if om.has("partner"):
        counterparties = profile.get("counterparties")
        if counterparties is not None and counterparties.has("partner"):
            element = client.element(
                counterparties.entity_set, counterparty, select=counterparties.select("partner")
            )
            partner = counterparties.get(element, "partner")
            if not is_empty_ref(partner):
                values["partner"] = partner
    currency = _currency_ref(client, profile, invoice.currency_id)
    if currency:
        values["currency"] = currency
    body = om.to_1c(values)
    section, goods = om.rows_to_1c("goods", rows)
    body[section] = goods
    created = client.create(om.entity_set, body)
    ref = str(created["Ref_Key"])
    run.link(invoice, ref)
    Invoice.objects.filter(pk=invoice.pk).update(sent_to_1c_at=timezone.now())
    number = str(created.get(om.fields.get("number", "Number"), "") or "")
    state = dict(session.state or {})
    state.setdefault("invoices", []).append(
        {"invoice": str(invoice.pk), "ref": ref, "number": number}
    )
    ExchangeSession.objects.filter(pk=session.pk).update(state=state)
    session.state = state
    return ref, True


__all__ = ["ODataError", "push_invoice"]
