"""The activity timeline of a client card: an extension point for later apps.

The client base knows nothing of interactions, deals or service requests (apps only
import downwards). Each of those apps registers a provider here from its ``AppConfig.ready``::

    from rapport.parties import timeline

    @timeline.register
    def deals_timeline(*, actor, client, limit):
        for deal in deal_selectors.client_deals(actor=actor, client=client)[:limit]:
            yield timeline.TimelineEntry(at=deal.created_at, kind="deal", title=deal.name,
                                         url=deal.get_absolute_url(), icon="briefcase")

A provider answers only what ``actor`` may see (through its own selectors). The card
shows the entries of every provider, newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rapport.core.models import User


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "interaction", "deal", "request"...
    title: str
    url: str = ""
    icon: str = "dot"  # a bootstrap-icons name
    text: str = ""
    user: Any = None


TimelineProvider = Callable[..., Iterable[TimelineEntry]]

# Later apps append their providers (``register``); the order does not matter.
PROVIDERS: list[TimelineProvider] = []


def register(provider: TimelineProvider) -> TimelineProvider:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def client_timeline(*, actor: User, client: Any, limit: int = 50) -> list[TimelineEntry]:
    """Entries of every registered provider for ``client``, newest first."""
    entries: list[TimelineEntry] = []
    for provider in PROVIDERS:
        entries.extend(provider(actor=actor, client=client, limit=limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
