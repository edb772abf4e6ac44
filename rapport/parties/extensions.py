"""Extension points of the client list for the apps above the client base.

The client base imports none of them; they register here from their ``AppConfig.ready``.
An extra client filter is a query parameter of the client list (``?interest=<id>``) and a
function narrowing the (already scoped) client queryset::

    from rapport.parties import extensions

    extensions.register_client_filter(
        "interest", lambda qs, value, actor: qs.filter(pk__in=...), label=_("Interest")
    )

``forms.client_filters`` copies the registered parameters into ``ClientFilters.extra`` and
``selectors.client_list`` applies them; the list template shows each app's control
through the include template the app provides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

ClientFilterFn = Callable[[QuerySet[Any], str, Any], QuerySet[Any]]


@dataclass(frozen=True)
class ClientFilter:
    name: str  # the query parameter
    apply: ClientFilterFn  # (clients, value, actor) -> clients
    label: Any = ""


CLIENT_FILTERS: dict[str, ClientFilter] = {}


def register_client_filter(name: str, apply: ClientFilterFn, *, label: Any = "") -> None:
    CLIENT_FILTERS[name] = ClientFilter(name=name, apply=apply, label=label)


def client_filter_params(params: Any) -> dict[str, str]:
    """The registered filters' values in a query string (empty values are left out)."""
    found = {}
    for name in CLIENT_FILTERS:
        value = str(params.get(name, "") or "").strip()[:100]
        if value:
            found[name] = value
    return found


def apply_client_filters(qs: QuerySet[Any], values: dict[str, str], *, actor: Any) -> QuerySet[Any]:
    for name, value in values.items():
        registered = CLIENT_FILTERS.get(name)
        if registered is not None and value:
            qs = registered.apply(qs, value, actor)
    return qs
