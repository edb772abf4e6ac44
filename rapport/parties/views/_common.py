"""Helpers shared by the views of the client base: keyset pagination, property display."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core import access
from rapport.core.models import PropertyDefinition
from rapport.core.properties import format_property_value
from rapport.parties.selectors import LIST_SORTS

PAGE_SIZE = 50


def follow_merges(url_name: str, model: Any, alias_target: Any):
    """A card of a merged record answers a redirect to the record it was merged into, so
    old links and bookmarks keep working (only if the user may see the survivor)."""

    def decorate(view):
        def wrapper(request, pk, *args, **kwargs):
            try:
                return view(request, pk, *args, **kwargs)
            except Http404:
                target = alias_target(pk)
                if (
                    target is None
                    or not access.visible_to(request.user, model).filter(pk=target).exists()
                ):
                    raise
                query = request.META.get("QUERY_STRING", "")
                url = reverse(url_name, kwargs={"pk": target})
                return HttpResponseRedirect(f"{url}?{query}" if query else url)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


# sort key -> ((field, descending), ...); the last field is unique, so the order is total.
SORTS = LIST_SORTS


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str
    is_first: bool


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: tuple[tuple[str, bool], ...]) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        parsed: list[Any] = []
        for (name, _desc), value in zip(fields, values, strict=True):
            if name == "id":
                parsed.append(uuid.UUID(str(value)))
            elif name.endswith("_at"):
                parsed.append(dt.datetime.fromisoformat(str(value)))
            else:
                parsed.append(str(value))
        return parsed
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def _after(fields: tuple[tuple[str, bool], ...], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in the order of ``fields`` (a keyset condition)."""
    condition = Q()
    for index in range(len(fields) - 1, -1, -1):
        name, desc = fields[index]
        step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[index]})
        if index < len(fields) - 1:
            step |= Q(**{name: values[index]}) & condition
        condition = step
    return condition


def keyset_page(qs: QuerySet[Any], *, sort: str, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page in the order ``sort``, after ``cursor``: no OFFSET and no COUNT, so a page
    costs the same at the first row and at the millionth."""
    fields = SORTS.get(sort) or SORTS["name"]
    qs = qs.order_by(*[f"-{n}" if desc else n for n, desc in fields])
    values = _decode(cursor, fields) if cursor else None
    if values is not None:
        qs = qs.filter(_after(fields, values))
    fetched = list(qs[: size + 1])
    next_cursor = ""
    if len(fetched) > size:
        fetched = fetched[:size]
        next_cursor = _encode([getattr(fetched[-1], n) for n, _desc in fields])
    rows, seen = [], set()
    for row in fetched:
        # A visibility rule that joins may repeat a row; repeats are adjacent in the order.
        if row.pk not in seen:
            seen.add(row.pk)
            rows.append(row)
    return Page(rows=rows, next_cursor=next_cursor, is_first=values is None)


def property_rows(
    definitions: dict[str, PropertyDefinition], values: dict[str, Any], *, details_visible: bool
) -> list[dict[str, Any]]:
    """Properties of a record for a card; sensitive ones are hidden on confidential records."""
    rows = []
    for definition in definitions.values():
        hidden = definition.is_sensitive and not details_visible
        text = "" if hidden else format_property_value(definition, values.get(definition.code))
        if not hidden and not text:
            continue
        rows.append({"definition": definition, "text": text, "hidden": hidden})
    return rows


_CHANNEL_INPUTS = {
    "phones": (_("Phones"), "tel"),
    "emails": (_("E-mails"), "email"),
    "websites": (_("Web sites"), "text"),
    "messengers": (_("Messengers"), "text"),
}


def contact_rows_context(
    rows: dict[str, Any], row_errors: dict[str, Any], *, fields: tuple[str, ...]
) -> dict[str, Any]:
    """Repeatable rows of a client or contact form: contact details and addresses."""
    from .. import forms

    channels = []
    for field in fields:
        label, input_type = _CHANNEL_INPUTS[field]
        channels.append(
            {
                "field": field,
                "label": label,
                "input": input_type,
                "rows": rows[field] or [{"value": "", "type": "work"}],
                "errors": row_errors.get(field, []),
            }
        )
    return {
        "channels": channels,
        "contact_types": forms.CONTACT_TYPES,
        "addresses": rows["addresses"] or [{"type": "actual"}],
        "address_errors": row_errors.get("addresses", []),
        "address_types": forms.ADDRESS_TYPES,
    }


def wants_rows_fragment(request: Any, list_id: str) -> bool:
    """An HTMX request for the rows (search as you type, next page) of a list page."""
    htmx = getattr(request, "htmx", None)
    return bool(
        htmx
        and htmx.target in (f"{list_id}-rows", f"{list_id}-pager")
        and not htmx.history_restore_request
    )
