"""Reads of the 1C exchange pages: connections, the exchange log, conflicts, ownership.

Every page of the exchange requires the exchange permission (``User.may_exchange``); a user
without it gets the same 404 as for a missing page. Conflicts name records of the CRM: the
values of a record the user may not see are hidden and it cannot be resolved by them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404

from rapport.core import access
from rapport.core.keyset import Page, keyset_page
from rapport.core.models import Role, User
from rapport.exchange.models import (
    Conflict,
    ConflictStatus,
    Connection,
    ExchangeFile,
    ExchangeSession,
    FieldOwnership,
    Rejection,
)
from rapport.parties.access import can_see_contact_details, can_see_details
from rapport.parties.models import Client, ContactPerson

SESSION_PAGE_SIZE = 50
REJECTIONS_ON_PAGE = 500
CONFLICTS_ON_PAGE = 200


def require_exchange(actor: User | None) -> None:
    """The gate of every exchange read: the same 404 as a missing page for anyone else."""
    if actor is None or not getattr(actor, "may_exchange", False):
        raise Http404("Not found")


def _get_or_404(actor: User, model: type[Any], pk: Any, queryset: QuerySet[Any]) -> Any:
    """One exchange record by pk, through core.access (rules in ``onec/access.py``)."""
    return access.get_visible_or_404(actor, model, pk, queryset=queryset)


# --- users --------------------------------------------------------------------------------


def exchange_users() -> QuerySet[User]:
    """Active users with the exchange permission (who a connection may act as)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role=Role.ADMINISTRATOR) | Q(can_exchange=True))
        .order_by("last_name", "first_name", "username")
    )


def manager_choices() -> QuerySet[User]:
    """Active users who may be given clients (the manager of new clients)."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.READ_ONLY)
        .order_by("last_name", "first_name", "username")
    )


# --- connections --------------------------------------------------------------------------


def connection_list(*, actor: User) -> QuerySet[Connection]:
    """Every connection with its open conflicts counted, by name."""
    require_exchange(actor)
    visible = access.visible_to(actor, Connection)
    return visible.select_related("run_as", "default_manager").annotate(
        open_conflicts=Count("conflicts", filter=Q(conflicts__status=ConflictStatus.OPEN))
    )


def connection_get(*, actor: User, pk: Any) -> Connection:
    require_exchange(actor)
    return _get_or_404(actor, Connection, pk, Connection.objects.select_related("run_as"))


def connection_by_code(*, code: str) -> Connection | None:
    """For the command line and the scheduler (no actor: the connection's own user acts)."""
    return Connection.objects.select_related("run_as", "default_manager").filter(code=code).first()


def last_sessions(*, connections: list[Connection]) -> dict[Any, ExchangeSession]:
    """The newest session of each connection, in two queries whatever their number."""
    newest = (
        ExchangeSession.objects.filter(connection=OuterRef("pk"))
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    ids = (
        Connection.objects.filter(pk__in=[c.pk for c in connections])
        .annotate(last_id=Subquery(newest))
        .exclude(last_id=None)
        .values_list("last_id", flat=True)
    )
    if not connections:
        return {}
    return {s.connection_id: s for s in ExchangeSession.objects.filter(pk__in=list(ids))}


# --- field ownership ----------------------------------------------------------------------


@dataclass
class OwnershipRow:
    target: str
    field: str
    label: str
    owner: str
    default: str

    @property
    def is_default(self) -> bool:
        return self.owner == self.default


@dataclass
class OwnershipTarget:
    target: str
    label: str
    rows: list[OwnershipRow]


def _targets() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(target, label, [(field, label)]) of the ownership table, in the policy's order."""
    from rapport.exchange.onec import policy

    return [
        (target, str(label), [(str(f), str(flabel)) for f, flabel in fields.items()])
        for target, (label, fields) in policy.TARGET_FIELDS.items()
    ]


def _default_owner(target: str, field: str) -> str:
    from rapport.exchange.onec import policy

    return str(policy.default_owner(target, field))


def ownership_table(*, actor: User, connection: Connection) -> list[OwnershipTarget]:
    """Per target, each field with its label, its current master and the default master."""
    require_exchange(actor)
    rows = {
        (o.target, o.field): o.owner for o in FieldOwnership.objects.filter(connection=connection)
    }
    table: list[OwnershipTarget] = []
    for target, label, fields in _targets():
        items = []
        for field, field_label in fields:
            default = _default_owner(target, field)
            items.append(
                OwnershipRow(
                    target=target,
                    field=field,
                    label=field_label,
                    default=default,
                    owner=rows.get((target, field), default),
                )
            )
        table.append(OwnershipTarget(target=target, label=label, rows=items))
    return table


def ownership_fields() -> set[tuple[str, str]]:
    """Every (target, field) the policy lets a person set a master for."""
    return {(target, field) for target, _label, fields in _targets() for field, _fl in fields}


# --- the exchange log ---------------------------------------------------------------------


@dataclass
class SessionFilters:
    connection: Any = None
    channel: str = ""
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def session_list(
    *, actor: User, filters: SessionFilters | None = None
) -> QuerySet[ExchangeSession]:
    """Sessions of the exchange log, newest first, filtered."""
    require_exchange(actor)
    filters = filters or SessionFilters()
    qs = access.visible_to(actor, ExchangeSession).select_related("connection", "user", "job")
    if filters.connection:
        qs = qs.filter(connection_id=filters.connection)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(started_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(started_at__date__lte=filters.date_to)
    return qs.order_by("-started_at", "-id")


def session_page(
    *,
    actor: User,
    filters: SessionFilters | None = None,
    cursor: str = "",
    size: int = SESSION_PAGE_SIZE,
) -> Page:
    """One page of the log by keyset on (started, id): no OFFSET, no COUNT."""
    qs = session_list(actor=actor, filters=filters)
    return keyset_page(qs, field="started_at", cursor=cursor, size=size)


def session_channels() -> list[str]:
    """The session types the log holds (for the filter)."""
    return list(
        ExchangeSession.objects.order_by("channel").values_list("channel", flat=True).distinct()
    )


def session_get(*, actor: User, pk: Any) -> ExchangeSession:
    require_exchange(actor)
    return _get_or_404(
        actor,
        ExchangeSession,
        pk,
        ExchangeSession.objects.select_related("connection", "user", "job"),
    )


def session_files(*, session: ExchangeSession) -> list[ExchangeFile]:
    return list(ExchangeFile.objects.filter(session=session).order_by("created_at", "id"))


def session_rejections(
    *, session: ExchangeSession, limit: int = REJECTIONS_ON_PAGE
) -> tuple[list[Rejection], int]:
    """The first ``limit`` rejected objects of a session and how many there are."""
    rows = list(Rejection.objects.filter(session=session).order_by("id")[:limit])
    total = len(rows)
    if total >= limit:
        total = Rejection.objects.filter(session=session).count()
    return rows, total


def exchange_file_get(*, actor: User, pk: Any) -> ExchangeFile:
    require_exchange(actor)
    return _get_or_404(actor, ExchangeFile, pk, ExchangeFile.objects.select_related("session"))


# --- conflicts ----------------------------------------------------------------------------


# Contact details a confidential (VIP) client hides from most users.
_DETAIL_FIELDS = frozenset({"phones", "emails", "addresses"})
_MASK = "•••"


@dataclass
class ConflictRow:
    conflict: Conflict
    visible: bool
    record: Any
    field_label: str
    details_hidden: bool = False

    @property
    def crm_lines(self) -> list[str]:
        return [_MASK] if self.details_hidden else display_lines(self.conflict.crm_value)

    @property
    def external_lines(self) -> list[str]:
        return [_MASK] if self.details_hidden else display_lines(self.conflict.external_value)

    @property
    def url(self) -> str:
        get_url = getattr(self.record, "get_absolute_url", None)
        return get_url() if self.visible and callable(get_url) else ""


def display_lines(value: Any) -> list[str]:
    """A conflict's JSON value as lines of text: contact lists one item a line."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, list):
        lines: list[str] = []
        for item in value:
            lines.extend(display_lines(item) or [])
        return lines
    if isinstance(value, dict):
        if "value" in value:
            kind = value.get("type")
            return [f"{value['value']} ({kind})" if kind else str(value["value"])]
        return [", ".join(str(v) for v in value.values() if v not in (None, ""))]
    if isinstance(value, bool):
        return ["✓" if value else "✗"]
    return [str(value)]


def _visible_records(actor: User, conflicts: Sequence[Conflict]) -> dict[tuple[int, str], Any]:
    """The records of ``conflicts`` the actor may see: one query per kind of record."""
    by_type: dict[int, set[str]] = defaultdict(set)
    for c in conflicts:
        by_type[c.content_type_id].add(c.object_id)
    found: dict[tuple[int, str], Any] = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or not access.has_rule(model):
            continue
        for record in access.visible_to(actor, model).filter(pk__in=list(ids)):
            found[(ct_id, str(record.pk))] = record
    return found


def _field_labels() -> dict[tuple[str, str], str]:
    return {(target, field): label for target, _tl, fields in _targets() for field, label in fields}


def conflict_list(
    *,
    actor: User,
    connection: Any = None,
    session: Any = None,
    status: str = "",
    limit: int = CONFLICTS_ON_PAGE,
) -> list[ConflictRow]:
    """Conflicts, open ones first then newest first, each marked visible or not to the actor."""
    require_exchange(actor)
    qs = access.visible_to(actor, Conflict).select_related("connection", "session", "resolved_by")
    if connection:
        qs = qs.filter(connection_id=connection)
    if session:
        qs = qs.filter(session_id=session)
    if status:
        qs = qs.filter(status=status)
    qs = qs.annotate(
        open_first=Case(
            When(status=ConflictStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "-created_at", "-id")
    conflicts = list(qs[:limit])
    records = _visible_records(actor, conflicts)
    labels = _field_labels()
    rows = []
    for c in conflicts:
        record = records.get((c.content_type_id, c.object_id))
        rows.append(
            ConflictRow(
                conflict=c,
                visible=record is not None,
                record=record,
                field_label=labels.get((c.target, c.field), c.field),
                details_hidden=record is not None and details_hidden(actor, record, c.field),
            )
        )
    return rows


def details_hidden(actor: User, record: Any, field: str) -> bool:
    """VIP masking applies to a conflict's values as to the record's card."""
    if field not in _DETAIL_FIELDS:
        return False
    if isinstance(record, Client):
        return not can_see_details(actor, record)
    if isinstance(record, ContactPerson):
        return not can_see_contact_details(actor, record)
    return False


def conflict_get(*, actor: User, pk: Any) -> Conflict:
    """A conflict whose record the actor may see (else 404, like a missing one)."""
    require_exchange(actor)
    conflict = _get_or_404(actor, Conflict, pk, Conflict.objects.select_related("connection"))
    if not _visible_records(actor, [conflict]):
        raise Http404("Not found")
    return conflict


def open_conflicts_count(*, actor: User | None) -> int:
    """For the menu badge: 0 for anyone without the exchange permission."""
    return access.visible_to(actor, Conflict).filter(status=ConflictStatus.OPEN).count()
