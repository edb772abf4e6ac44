"""The parties steps of an OData pull: counterparties (clients, with their phones, e-mails
and addresses from ``КонтактнаяИнформация``), contact persons and contracts.

Contracts are kept as the client property ``onec_contracts`` (text, one line per
contract, 1C is the master); the property is created on first use when the acting user
may create properties, otherwise contracts are listed as rejected with the reason.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.models import PropertyDefinition, PropertyTarget
from rapport.exchange.onec.sync import Outcome
from rapport.exchange.onec.targets.parties import (
    CONTRACTS_PROPERTY,
    ensure_client_properties,
    match_client,
)
from rapport.parties.models import Client, ClientKind

from .client import guid, is_empty_ref
from .mapping import ObjectMap
from .pull_base import PullBase

PERSON_KINDS = {"ФизическоеЛицо", "ФизЛицо", "ЧастноеЛицо"}
COUNTRIES = {
    "РОССИЯ": "RU", "БЕЛАРУСЬ": "BY", "КАЗАХСТАН": "KZ", "УКРАИНА": "UA", "ПОЛЬША": "PL",
    "АРМЕНИЯ": "AM", "КИРГИЗИЯ": "KG", "УЗБЕКИСТАН": "UZ", "ГЕРМАНИЯ": "DE", "КИТАЙ": "CN",
}  # fmt: skip
_POSTAL = re.compile(r"^\s*(\d{6})\s*,?\s*")


class PartiesPull(PullBase):
    """Counterparties, contact persons and contracts (the steps of ``pull.Pull``)."""

    # -- counterparties ---------------------------------------------------------------------
    def _partner_versions(self) -> dict[str, str]:
        partners = self.profile.get("partners") if self.profile else None
        if partners is None or not partners.has("version"):
            return {}
        return {
            partners.get(e, "ref"): str(partners.get(e, "version", ""))
            for e in self.client.iterate(
                partners.entity_set, select=partners.select("ref", "version")
            )
        }

    def _partner(self, ref: str) -> dict[str, Any]:
        partners = self.profile.get("partners") if self.profile else None
        if partners is None or is_empty_ref(ref):
            return {}
        if ref not in self._partners:
            self._partners[ref] = self.client.element(
                partners.entity_set, ref, select=partners.select()
            )
        return self._partners[ref]

    def counterparties(self) -> None:
        om = self._map("counterparties")
        partner_versions = self._partner_versions()

        def versions_of(element: dict, version: str) -> str:
            partner = om.get(element, "partner")
            return f"{version}/{partner_versions.get(partner, '')}" if partner else version

        filter_ = f"{om.fields['is_folder']} eq false" if om.has("is_folder") else ""
        # The version also depends on a field of the light listing (the partner).
        light = om.select("ref", "version", "partner") if om.has("partner") else None
        for page in self._changed(om, Client, filter=filter_, versions_of=versions_of, light=light):
            with transaction.atomic():
                for element in page:
                    self._counterparty(
                        om, element, versions_of(element, str(om.get(element, "version", "")))
                    )

    def _counterparty(self, om: ObjectMap, element: dict, version: str) -> None:
        ref = om.get(element, "ref")
        label = self._label(om, element)
        if om.get(element, "deleted", False) and not self.run.find_ids(Client, [ref]):
            return  # marked for deletion in 1C and never pulled: nothing to do
        values: dict[str, Any] = {"name": str(om.get(element, "name", "")).strip()}
        if om.has("legal_name"):
            values["legal_name"] = str(om.get(element, "legal_name", "")).strip()
        if om.has("tax_id"):
            values["tax_id"] = str(om.get(element, "tax_id", "")).strip()
        if om.has("kpp"):
            values["kpp"] = str(om.get(element, "kpp", "")).strip()
        if om.has("legal_kind"):
            kind = str(om.get(element, "legal_kind", ""))
            values["kind"] = ClientKind.PERSON if kind in PERSON_KINDS else ClientKind.COMPANY
        info_rows = om.rows(element, "contact_info")
        partner = self._partner(om.get(element, "partner", "")) if om.has("partner") else {}
        if partner and not any(r.get("kind") != "Адрес" for r in info_rows):
            partner_map = self._map("partners")
            info_rows = info_rows + [
                r for r in partner_map.rows(partner, "contact_info") if r.get("kind") != "Адрес"
            ]
        if "contact_info" in om.sections:
            values.update(contact_info(info_rows, addresses=True))
        _outcome, obj = self.run.upsert(
            target="client",
            external_id=ref,
            values=values,
            label=label,
            match=match_client(values.get("tax_id", ""), values.get("kpp", "")),
            file=om.entity_set,
        )
        if obj is not None:
            self._remember_version(obj, version)

    # -- contact persons ----------------------------------------------------------------
    def _clients_of_partner(self, partner: str) -> str | None:
        if partner not in self._partner_clients:
            counterparties = self._map("counterparties")
            refs = [
                counterparties.get(e, "ref")
                for e in self.client.query(
                    counterparties.entity_set,
                    select=counterparties.select("ref"),
                    filter=f"{counterparties.fields['partner']} eq {guid(partner)}",
                )["value"]
            ]
            ids = self.run.find_ids(Client, refs)
            self._partner_clients[partner] = next((ids[r] for r in refs if r in ids), None)
        return self._partner_clients[partner]

    def _owner_client(self, om: ObjectMap, element: dict) -> tuple[bool, str | None]:
        """(belongs to a counterparty or partner?, our client's id)."""
        owner = str(om.get(element, "owner", ""))
        if is_empty_ref(owner):
            return False, None
        owner_type = str(om.get(element, "owner_type", ""))
        if owner_type and not owner_type.endswith(("Catalog_Контрагенты", "Catalog_Партнеры")):
            return False, None
        profile = self.profile
        if (
            profile is not None
            and profile.get("partners") is not None
            and om.fields.get("owner") == "Owner_Key"
            and profile.get("counterparties") is not None
            and self._map("counterparties").has("partner")
        ):
            return True, self._clients_of_partner(owner)
        return True, self.run.find_ids(Client, [owner]).get(owner)

    def contacts(self) -> None:
        om = self._map("contacts")
        from rapport.parties.models import ContactPerson

        for page in self._changed(om, ContactPerson):
            with transaction.atomic():
                for element in page:
                    self._contact(om, element, ContactPerson)

    def _contact(self, om: ObjectMap, element: dict, model: type) -> None:
        ref = om.get(element, "ref")
        label = self._label(om, element)
        if om.get(element, "deleted", False) and not self.run.find_ids(model, [ref]):
            return
        belongs, client_id = self._owner_client(om, element)
        if not belongs:
            return  # a contact person of something else (an organisation, a bank...)
        if client_id is None:
            self._reject(
                om,
                "contact",
                _(
                    "Contact person “%(name)s” (1C id %(id)s): their counterparty is not in "
                    "the CRM; pull counterparties first."
                )
                % {"name": label, "id": ref},
                ref=ref,
                label=label,
            )
            return
        last, first, middle = (
            str(om.get(element, "last_name", "")).strip(),
            str(om.get(element, "first_name", "")).strip(),
            str(om.get(element, "middle_name", "")).strip(),
        )
        if not (last or first):
            parts = str(om.get(element, "name", "")).split()
            last = parts[0] if parts else ""
            first = parts[1] if len(parts) > 1 else ""
            middle = " ".join(parts[2:])
        values: dict[str, Any] = {
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "client": client_id,
        }
        if om.has("position"):
            values["position"] = str(om.get(element, "position", "")).strip()
        if "contact_info" in om.sections:
            values.update(contact_info(om.rows(element, "contact_info"), addresses=False))
        _outcome, obj = self.run.upsert(
            target="contact", external_id=ref, values=values, label=label, file=om.entity_set
        )
        if obj is not None:
            self._remember_version(obj, str(om.get(element, "version", "")))

    # -- contracts -----------------------------------------------------------------------
    def _contracts_property(self) -> bool:
        ensure_client_properties()
        return PropertyDefinition.objects.filter(
            target=PropertyTarget.CLIENT, code=CONTRACTS_PROPERTY
        ).exists()

    def contracts(self) -> None:
        om = self._map("contracts")
        filter_ = f"{om.fields['deleted']} eq false" if om.has("deleted") else ""
        lines: dict[str, list[str]] = {}
        for element in self.client.iterate(om.entity_set, select=om.select(), filter=filter_):
            if om.get(element, "is_folder", False):
                continue
            lines.setdefault(om.get(element, "counterparty"), []).append(contract_line(om, element))
        clients = self.run.find_ids(Client, list(lines))
        if not self._contracts_property():
            for ref in lines:
                self._reject(
                    om,
                    "client",
                    _(
                        "Contracts of counterparty %(id)s: the client property “%(code)s” does "
                        "not exist; an administrator can add a text property with this code."
                    )
                    % {"id": ref, "code": CONTRACTS_PROPERTY},
                    ref=ref,
                )
            return
        from rapport.parties.services import client_update

        with transaction.atomic():
            for ref, rows in lines.items():
                client_id = clients.get(ref)
                client = Client.objects.filter(pk=client_id, deleted_at__isnull=True).first()
                if client is None:
                    continue  # a supplier's contract or a counterparty not pulled
                text = "\n".join(sorted(rows))
                if (client.properties or {}).get(CONTRACTS_PROPERTY) == text:
                    self.run.count(Outcome.UNCHANGED)
                    continue
                try:
                    with transaction.atomic():
                        client_update(
                            actor=self.run.actor,
                            client=client,
                            properties={CONTRACTS_PROPERTY: text},
                        )
                except (ValidationError, PermissionDenied) as exc:
                    self.run.reject("client", str(exc), external_id=ref, label=client.name)
                    continue
                self.run.count(Outcome.UPDATED)


def contact_info(rows: list[dict[str, Any]], *, addresses: bool) -> dict[str, list]:
    """Phones, e-mails (and addresses) from 1C's ``КонтактнаяИнформация`` rows."""
    phones, emails, places = [], [], []
    for row in rows:
        kind = str(row.get("kind") or "")
        shown = str(row.get("presentation") or "").strip()
        if kind in ("Телефон", "Факс"):
            value = str(row.get("phone") or "").strip() or shown
            if value:
                phones.append({"value": value, "type": "fax" if kind == "Факс" else "work"})
        elif kind == "АдресЭлектроннойПочты":
            value = str(row.get("email") or "").strip() or shown
            if value:
                emails.append({"value": value, "type": "work"})
        elif kind == "Адрес" and addresses and shown:
            postal = _POSTAL.match(shown)
            street = shown[postal.end() :] if postal else shown
            places.append(
                {
                    "type": "legal" if not places else "actual",
                    "country": COUNTRIES.get(str(row.get("country") or "").strip().upper(), ""),
                    "postal_code": postal.group(1) if postal else "",
                    "region": "",
                    "city": "",
                    "street": street.strip(),
                }
            )
    result: dict[str, list] = {"phones": phones, "emails": emails}
    if addresses:
        result["addresses"] = places
    return result


def contract_line(om: ObjectMap, element: dict) -> str:
    name = str(om.get(element, "name", "")).strip()
    number = str(om.get(element, "number", "") or "").strip()
    date = str(om.get(element, "date", "") or "")
    parts = [name]
    if number and number not in name:
        parts.append(f"№ {number}")
    if date and not date.startswith("0001"):
        parts.append(date[:10])
    kind = str(om.get(element, "contract_kind", "") or "")
    if kind:
        parts.append(f"({kind})")
    return " ".join(p for p in parts if p)
