"""The counterparties of an orders file 1C uploaded, applied as clients and contacts.

Every counterparty of a ``Документ`` creates or updates a client through the sync layer
(matched by the 1C ``Ид``, then by our own id when 1C echoes it, then by the tax id;
never twice), its representatives become contact persons. For the CRM's own document
with a single counterparty only the identity 1C keeps is taken back, not the CRM's own
contact details.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from rapport.core.models import PropertyDefinition, PropertyTarget
from rapport.exchange.onec.sync import ExchangeRun
from rapport.exchange.onec.targets import parties as _party_targets
from rapport.exchange.onec.xml import child, children
from rapport.parties.models import Client, ContactPerson

from .counterparty import CounterpartyValues, parse_counterparty


def as_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


def _client_match(parsed: CounterpartyValues, fallback: Client | None):
    """Find the client 1C means when its ``Ид`` is not linked yet: our own id echoed
    back, then the tax id, then (for our own document) the document's client."""
    by_tax = _party_targets.match_client(parsed.tax_id, parsed.kpp) if parsed.tax_id else None

    def find() -> Client | None:
        own = as_uuid(parsed.external_id)
        if own:
            found = Client.objects.filter(pk=own, deleted_at__isnull=True).first()
            if found is not None:
                return found
        if by_tax is not None:
            found = by_tax()
            if found is not None:
                return found
        return fallback

    return find


def _counterparty_id(parsed: CounterpartyValues) -> str:
    # Without an Ид the tax id (or the name) keys it, so that a re-run finds it again.
    if parsed.external_id:
        return parsed.external_id
    if parsed.tax_id:
        return f"inn:{parsed.tax_id}"
    return f"name:{parsed.name.lower()}"[:200]


def _kpp_defined() -> bool:
    """KPP is kept in the client property "kpp" only where that property is defined."""
    return PropertyDefinition.objects.filter(
        target=PropertyTarget.CLIENT, code=_party_targets.KPP_PROPERTY, is_active=True
    ).exists()


def apply_counterparties(
    run: ExchangeRun, document: Any, file: str, label: str, record: Model | None
) -> None:
    own_client = getattr(record, "client", None)
    buyers = children(child(document, "Контрагенты"), "Контрагент")
    for element in buyers:
        parsed = parse_counterparty(element)
        if parsed is None:
            run.reject(
                "client",
                _("%(document)s: a counterparty has neither a name nor an id; it was skipped.")
                % {"document": label},
                label=label,
                file=file,
            )
            continue
        ours = own_client is not None and len(buyers) == 1
        values = parsed.values()
        if "kpp" in values and not _kpp_defined():
            values.pop("kpp")
        if ours:
            # 1C echoes what the CRM sent about its own client: only the identity (what
            # 1C keeps for the counterparty) is taken, not our own contact details back.
            values = {
                k: v
                for k, v in values.items()
                if k in ("kind", "name", "legal_name", "tax_id", "kpp")
            }
        _outcome, client = run.upsert(
            target="client",
            external_id=_counterparty_id(parsed),
            values=values,
            label=parsed.name,
            match=_client_match(parsed, own_client if ours else None),
            file=file,
        )
        if client is None or ours:
            continue
        for contact in parsed.contacts:
            own_contact = as_uuid(contact.external_id)
            run.upsert(
                target="contact",
                external_id=contact.external_id,
                values={**contact.values(), "client": str(client.pk)},
                label=contact.name,
                match=(
                    (lambda pk=own_contact: ContactPerson.objects.filter(pk=pk).first())
                    if own_contact
                    else None
                ),
                file=file,
            )
