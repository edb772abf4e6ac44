"""Finding the existing record a row updates: by our id, external id, tax id, e-mail or
phone, with a few IN queries per chunk. Only records the actor may see and change are
ever matched for update; any other match rejects the row without saying more."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import access
from rapport.core.models import ExternalId, User
from rapport.parties.access import can_see_details
from rapport.parties.models import Client, ContactPerson, ContactPoint, ContactRole

from .rows import Parsed

MATCH_RULES = ("id", "external_id", "tax_id", "email", "phone", "none")
NEUTRAL = gettext_lazy("This row matches a record you may not change; it was skipped.")


def target_model(target: str) -> type[Client] | type[ContactPerson]:
    return Client if target == "clients" else ContactPerson


@dataclass
class Matches:
    """What one chunk's rows match."""

    records: dict[Any, Model] = field(default_factory=dict)
    editable: set[Any] = field(default_factory=set)
    details_hidden: set[Any] = field(default_factory=set)
    candidates: dict[int, set[Any]] = field(default_factory=dict)  # row number -> pks
    external_owner: dict[str, str] = field(default_factory=dict)  # value -> object id
    missing_id: set[int] = field(default_factory=set)  # rows whose id matched nothing
    via_detail: set[int] = field(default_factory=set)  # rows matched by e-mail/phone


def match_chunk(
    rows: list[Parsed], *, actor: User, target: str, match_on: str, system: str
) -> Matches:
    model = target_model(target)
    owner = "client" if target == "clients" else "contact"
    content_type = ContentType.objects.get_for_model(model)
    result = Matches()
    live = model.objects.filter(deleted_at__isnull=True)

    ids = {p.record_id for p in rows if p.record_id}
    found_ids = {str(pk) for pk in live.filter(pk__in=ids).values_list("pk", flat=True)}
    externals = {p.external_id for p in rows if p.external_id}
    if externals:
        result.external_owner = dict(
            ExternalId.objects.filter(
                content_type=content_type, system=system, value__in=externals
            ).values_list("value", "object_id")
        )
    by_key: dict[str, set[Any]] = defaultdict(set)
    keys = {_rule_keys(p, match_on) for p in rows} - {()}
    flat = {k for group in keys for k in group}
    if flat and match_on == "tax_id":
        for tax_id, pk in live.filter(tax_id__in=flat).values_list("tax_id", "pk"):
            by_key[tax_id].add(str(pk))
    elif flat and match_on in ("email", "phone"):
        channel = "email" if match_on == "email" else "phone"
        points = ContactPoint.objects.filter(
            channel=channel, normalized__in=flat, **{f"{owner}__deleted_at__isnull": True}
        ).values_list("normalized", f"{owner}_id")
        for normalized, pk in points:
            if pk is not None:
                by_key[normalized].add(str(pk))
    elif flat and match_on == "external_id":
        alive = {
            str(pk)
            for pk in live.filter(pk__in=list(result.external_owner.values())).values_list(
                "pk", flat=True
            )
        }
        for value, pk in result.external_owner.items():
            if pk in alive:
                by_key[value].add(pk)

    for parsed in rows:
        if parsed.record_id:
            pk = str(parsed.record_id)
            if pk in found_ids:
                result.candidates[parsed.number] = {pk}
            else:
                result.missing_id.add(parsed.number)
            continue
        found: set[Any] = set()
        for key in _rule_keys(parsed, match_on):
            found |= by_key.get(key, set())
        if found:
            result.candidates[parsed.number] = found
            if match_on in ("email", "phone"):
                result.via_detail.add(parsed.number)

    wanted = {pk for pks in result.candidates.values() for pk in pks}
    if wanted:
        uuids = [uuid.UUID(pk) for pk in wanted]
        records = model.objects.filter(pk__in=uuids)
        if model is Client:
            records = records.select_related("manager")
        result.records = {str(r.pk): r for r in records}
        if actor.can_write:
            visible = access.visible_to(actor, model).filter(pk__in=uuids)
            result.editable = {str(pk) for pk in visible.values_list("pk", flat=True)}
        result.details_hidden = _details_hidden(actor, model, result)
    return result


def _details_hidden(actor: User, model: type[Model], result: Matches) -> set[Any]:
    """Matched records whose contact details (VIP) the actor may not see."""
    if model is Client:
        return {pk for pk in result.editable if not can_see_details(actor, result.records[pk])}
    hidden: set[Any] = set()
    roles = ContactRole.objects.filter(
        contact_id__in=[uuid.UUID(pk) for pk in result.editable]
    ).select_related("client")
    for role in roles:
        if not can_see_details(actor, role.client):
            hidden.add(str(role.contact_id))
    return hidden


def _rule_keys(parsed: Parsed, match_on: str) -> tuple[str, ...]:
    if match_on == "tax_id":
        tax_id = parsed.fields.get("tax_id")
        return (tax_id,) if tax_id else ()
    if match_on == "external_id":
        return (parsed.external_id,) if parsed.external_id else ()
    if match_on == "email":
        return tuple(n for _v, n in parsed.points.get("emails", []))
    if match_on == "phone":
        return tuple(n for _v, n in parsed.points.get("phones", []))
    return ()


def decide(parsed: Parsed, matches: Matches) -> Any:
    """The pk of the record this row updates, None to create one; adds the problem to the
    row when it matches a record it may not change (without naming it)."""
    if parsed.number in matches.missing_id:
        parsed.problem("id", _("No record with this id."))
        return None
    found = matches.candidates.get(parsed.number)
    if not found:
        return None
    if any(pk not in matches.editable for pk in found):
        parsed.problem("", str(NEUTRAL))
        return None
    if parsed.number in matches.via_detail and found & matches.details_hidden:
        parsed.problem("", str(NEUTRAL))
        return None
    if len(found) > 1:
        parsed.problem(
            "",
            _("This row matches %(n)s records; choose another matching rule.") % {"n": len(found)},
        )
        return None
    return next(iter(found))
