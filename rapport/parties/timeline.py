"""The activity timeline of a client card: an extension point for later apps.

The client base knows nothing of interactions, deals or service requests (apps only
import downwards). Each of those apps registers a provider here from its ``AppConfig.ready``::

    from rapport.parties import timeline

    @timeline.register(kinds={"deal": _("Deals")})
    def deals_timeline(*, actor, client, limit, before=None, kinds=None):
        qs = deal_selectors.client_deals(actor=actor, client=client)
        if before is not None:
            qs = qs.filter(created_at__lte=before)
        for deal in qs.order_by("-created_at", "-id")[:limit]:
            yield timeline.TimelineEntry(at=deal.created_at, kind="deal", title=deal.name,
                                         url=deal.get_absolute_url(), icon="briefcase",
                                         key=f"deal:{deal.pk}")

A provider answers only what ``actor`` may see (through its own selectors), newest first,
at most ``limit`` entries, none newer than ``before`` (when given). ``kinds`` (a set, or
None for all) is the filter the user chose. Providers written for the first version of
this module (``provider(*, actor, client, limit)``) still work: they are asked for their
newest entries and filtered here.

``client_timeline_page`` merges the providers into one stream, newest first, in pages: a
cursor (the time and key of the last entry shown) continues it. The client base's own
status changes and files are built in (``BUILTIN``); ``client_timeline`` (the first
version's API) lists only the providers of other apps.
"""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

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
    key: str = ""  # unique within the stream ("interaction:<id>"): orders equal times
    color: str = ""  # a bootstrap theme colour of the icon
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def sort_key(self) -> tuple[dt.datetime, str]:
        return (self.at, self.key or self.title)


TimelineProvider = Callable[..., Iterable[TimelineEntry]]

# Later apps append their providers (``register``); the order does not matter.
PROVIDERS: list[TimelineProvider] = []
# kind -> label, for the filter of the card's timeline.
KINDS: dict[str, Any] = {}
_PROVIDER_KINDS: dict[Any, frozenset[str]] = {}


def register(
    provider: TimelineProvider | None = None, *, kinds: dict[str, Any] | None = None
) -> Any:
    """Add a provider (usable as ``@register`` or ``@register(kinds={...})``)."""

    def add(fn: TimelineProvider) -> TimelineProvider:
        if fn not in PROVIDERS:
            PROVIDERS.append(fn)
        if kinds:
            KINDS.update(kinds)
            _PROVIDER_KINDS[fn] = frozenset(kinds)
        return fn

    return add(provider) if provider is not None else add


def client_timeline(*, actor: User, client: Any, limit: int = 50) -> list[TimelineEntry]:
    """Entries of every registered provider for ``client``, newest first."""
    entries: list[TimelineEntry] = []
    for provider in PROVIDERS:
        entries.extend(_call(provider, actor=actor, client=client, limit=limit))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]


# --- pages ----------------------------------------------------------------------------


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str


def _accepts_paging(provider: TimelineProvider) -> bool:
    try:
        params = inspect.signature(provider).parameters
    except (TypeError, ValueError):
        return False
    return "before" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _call(provider: TimelineProvider, **kwargs: Any) -> list[TimelineEntry]:
    if not _accepts_paging(provider):
        kwargs.pop("before", None)
        kwargs.pop("kinds", None)
    return list(provider(**kwargs))


def encode_cursor(entry: TimelineEntry) -> str:
    raw = json.dumps([entry.at.isoformat(), entry.key or entry.title])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, key = json.loads(raw)
        parsed = dt.datetime.fromisoformat(str(at))
        return (parsed, str(key)) if parsed.tzinfo is not None else None
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def client_timeline_page(
    *,
    actor: User,
    client: Any,
    kinds: Iterable[str] | None = None,
    cursor: str = "",
    size: int = 20,
) -> TimelinePage:
    """One page of the whole stream (built-in and registered providers), newest first.

    Each provider gives at most ``size + 1`` entries not newer than the cursor. An entry is
    shown only when no provider that filled its batch could still have a newer one
    unseen (the oldest entry of a full batch bounds what is known), so pages never skip
    or repeat entries, however the providers interleave.
    """
    wanted = frozenset(kinds) if kinds else None
    after = decode_cursor(cursor) if cursor else None
    # One more than a page, and one more again for the cursor's own entry (``before`` is
    # inclusive so that entries at the cursor's very instant are not lost).
    batch = size + 1 + (1 if after else 0)
    merged: list[TimelineEntry] = []
    horizon: tuple[dt.datetime, str] | None = None
    unsure = False  # a full batch lost entries to ties at the cursor: it may hold more
    for provider in [*BUILTIN, *PROVIDERS]:
        own = _PROVIDER_KINDS.get(provider)
        if wanted is not None and own is not None and not (own & wanted):
            continue
        got = _call(
            provider,
            actor=actor,
            client=client,
            limit=batch,
            before=after[0] if after else None,
            kinds=wanted,
        )
        got.sort(key=lambda e: e.sort_key, reverse=True)
        full = len(got) >= batch
        if full and (horizon is None or got[-1].sort_key > horizon):
            horizon = got[-1].sort_key
        fresh = [e for e in got if after is None or e.sort_key < after]
        unsure = unsure or (full and len(fresh) <= size)
        merged += [e for e in fresh if wanted is None or e.kind in wanted]
    merged.sort(key=lambda e: e.sort_key, reverse=True)
    shown = [e for e in merged if horizon is None or e.sort_key >= horizon][:size]
    more = len(merged) > len(shown) or unsure
    return TimelinePage(
        entries=shown, next_cursor=encode_cursor(shown[-1]) if more and shown else ""
    )


# --- the client base's own entries ----------------------------------------------------


def _status_changes(*, actor: User, client: Any, limit: int, before=None, kinds=None):
    from .models import StatusChange

    qs = StatusChange.objects.filter(client=client).select_related(
        "old_status", "new_status", "changed_by"
    )
    if before is not None:
        qs = qs.filter(changed_at__lte=before)
    for change in qs.order_by("-changed_at", "-id")[:limit]:
        old = change.old_status.name if change.old_status else "—"
        new = change.new_status.name if change.new_status else "—"
        yield TimelineEntry(
            at=change.changed_at,
            kind="status",
            title=f"{old} → {new}",
            icon="flag",
            user=change.changed_by,
            key=f"status:{change.pk}",
            color=change.new_status.color if change.new_status else "secondary",
        )


def _files(*, actor: User, client: Any, limit: int, before=None, kinds=None):
    from django.contrib.contenttypes.models import ContentType

    from rapport.core.models import Attachment

    qs = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(client)),
        object_id=str(client.pk),
        deleted_at__isnull=True,
    ).select_related("created_by")
    if before is not None:
        qs = qs.filter(created_at__lte=before)
    for attachment in qs.order_by("-created_at", "-id")[:limit]:
        yield TimelineEntry(
            at=attachment.created_at,
            kind="file",
            title=attachment.name,
            icon="paperclip",
            user=attachment.created_by,
            key=f"file:{attachment.pk}",
        )


BUILTIN: list[TimelineProvider] = [_status_changes, _files]
KINDS.update({"status": _("Status changes"), "file": _("Files")})
_PROVIDER_KINDS.update({_status_changes: frozenset({"status"}), _files: frozenset({"file"})})
