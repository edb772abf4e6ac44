"""The review queue of possible duplicates: its reads (scoped) and its small writes
(start a scan, "not a duplicate"), shared by the web pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access, jobs
from rapport.core.models import Job, JobStatus, User

from .access import can_see_contact_details, can_see_details
from .duplicates import reason_texts
from .merge import MODELS, merge_records, merge_undo
from .models import (
    ChannelKind,
    Client,
    ContactPoint,
    DuplicatePair,
    DuplicateStatus,
    DuplicateTarget,
    Merge,
)
from .tasks import SCAN_KIND

PAGE_SIZE = 50
TARGETS = {"clients": DuplicateTarget.CLIENT, "contacts": DuplicateTarget.CONTACT}


def parse_target(value: str | None) -> str:
    """ "clients"/"client" → client, "contacts"/"contact" → contact; anything else: client."""
    value = (value or "").strip().lower()
    return TARGETS.get(value, value if value in DuplicateTarget.values else "client")


def parse_score(value: Any, default: float = 0.0) -> float:
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return default


# --- scan -----------------------------------------------------------------------------


def can_start_scan(actor: User) -> bool:
    """The scan covers the whole base, so administrators and directors start it."""
    return bool(actor.is_authenticated and actor.is_active and actor.sees_everything)


def duplicate_scan_start(*, actor: User) -> Job:
    """Start a duplicate scan, or answer the one already queued or running."""
    if not can_start_scan(actor):
        raise PermissionDenied(_("Only administrators and directors may start a duplicate scan."))
    running = Job.objects.filter(
        kind=SCAN_KIND, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    ).first()
    if running is not None:
        return running
    return jobs.job_start(actor=actor, kind=SCAN_KIND, title=_("Duplicate scan"))


def last_scan(*, actor: User) -> Job | None:
    return Job.objects.filter(kind=SCAN_KIND).order_by("-created_at").first()


# --- queue ----------------------------------------------------------------------------


def duplicate_pairs(
    *, actor: User, target: str = DuplicateTarget.CLIENT, min_score: float = 0.0
) -> QuerySet[DuplicatePair]:
    """Open pairs of which ``actor`` sees both records, best first."""
    visible = access.visible_to(actor, MODELS[target]).order_by().values("pk")
    return DuplicatePair.objects.filter(
        target=target,
        status=DuplicateStatus.OPEN,
        score__gte=min_score,
        first_id__in=visible,
        second_id__in=visible,
    ).order_by("-score", "id")


def duplicate_pairs_page(
    *, actor: User, target: str, min_score: float = 0.0, after: str = ""
) -> tuple[list[DuplicatePair], str]:
    """One page of the queue (keyset on score and id) and the cursor of the next one."""
    qs = duplicate_pairs(actor=actor, target=target, min_score=min_score)
    if after:
        try:
            score_text, pk = after.split("_", 1)
            score = float(score_text)
            qs = qs.filter(Q(score__lt=score) | Q(score=score, id__gt=pk))
        except (ValueError, ValidationError):
            pass
    rows = list(qs[: PAGE_SIZE + 1])
    cursor = (
        f"{rows[PAGE_SIZE - 1].score}_{rows[PAGE_SIZE - 1].pk}" if len(rows) > PAGE_SIZE else ""
    )
    return rows[:PAGE_SIZE], cursor


@dataclass
class Side:
    record: Model
    details_visible: bool
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class PairRow:
    pair: DuplicatePair
    first: Side
    second: Side
    reasons: list[str]


def _records(actor: User, target: str, ids: set[Any]) -> dict[str, Model]:
    model = MODELS[target]
    points = Prefetch(
        "contact_points",
        queryset=ContactPoint.objects.filter(channel__in=[ChannelKind.PHONE, ChannelKind.EMAIL]),
    )
    qs = access.visible_to(actor, model).filter(pk__in=ids).prefetch_related(points)
    if model is Client:
        qs = qs.select_related("manager", "status")
    else:
        qs = qs.prefetch_related("clients")
    return {str(r.pk): r for r in qs}


def _side(actor: User, target: str, record: Model) -> Side:
    if target == DuplicateTarget.CLIENT:
        visible = can_see_details(actor, record)
    else:
        visible = can_see_contact_details(actor, record, list(record.clients.all()))
    side = Side(record, visible)
    if visible:
        for point in record.contact_points.all():
            (side.phones if point.channel == ChannelKind.PHONE else side.emails).append(point.value)
    return side


def pair_rows(pairs: list[DuplicatePair], *, actor: User, target: str) -> list[PairRow]:
    """The queue's rows: both records with their key details (VIP details masked)."""
    records = _records(actor, target, {p.first_id for p in pairs} | {p.second_id for p in pairs})
    rows = []
    for pair in pairs:
        first, second = records.get(str(pair.first_id)), records.get(str(pair.second_id))
        if first is None or second is None:
            continue
        rows.append(
            PairRow(
                pair,
                _side(actor, target, first),
                _side(actor, target, second),
                reason_texts(pair.reasons),
            )
        )
    return rows


def duplicate_pair_get(*, actor: User, pk: Any) -> DuplicatePair:
    """A pair whose two records ``actor`` sees (any status); 404 otherwise."""
    try:
        pair = DuplicatePair.objects.get(pk=pk)
    except (DuplicatePair.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("pair not found") from exc
    visible = access.visible_to(actor, MODELS[pair.target])
    if visible.filter(pk__in=[pair.first_id, pair.second_id]).count() != 2:
        raise Http404("pair not found")
    return pair


def duplicate_dismiss(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """Mark a pair "not a duplicate": later scans do not offer it again."""
    model = MODELS[pair.target]
    records = list(model._default_manager.filter(pk__in=[pair.first_id, pair.second_id]))
    if not actor.can_write or any(not access.can_edit(actor, r) for r in records):
        raise PermissionDenied(_("You may not change these records."))
    pair.status = DuplicateStatus.DISMISSED
    pair.decided_by, pair.decided_at = actor, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    return pair


# --- merge ----------------------------------------------------------------------------


def merge_candidates(*, actor: User, target: str, ids: list[Any]) -> list[Model]:
    """The live records to merge, in the order given (the first is the default survivor);
    any id the actor cannot see answers 404."""
    model = MODELS[target]
    unique = list(dict.fromkeys(str(i) for i in ids))
    if len(unique) < 2:
        raise ValidationError({"merged": [_("Choose at least two records to merge.")]})
    records = {str(r.pk): r for r in access.visible_to(actor, model).filter(pk__in=unique)}
    if len(records) != len(unique):
        raise Http404("record not found")
    return [records[i] for i in unique]


def merge_start(
    *,
    actor: User,
    target: str,
    survivor: Any,
    merged: list[Any],
    fields: dict[str, Any] | None = None,
    drop_details: list[Any] = (),
) -> Merge:
    """Merge by ids (what the wizard and the API send)."""
    try:
        records = merge_candidates(actor=actor, target=target, ids=[survivor, *merged])
    except ValidationError as exc:
        raise ValidationError({"merged": exc.messages}) from exc
    return merge_records(
        actor=actor,
        survivor=records[0],
        merged=records[1:],
        fields=fields,
        drop_details=drop_details,
    )


def merge_get(*, actor: User, pk: Any) -> Merge:
    """A merge whose survivor ``actor`` sees; 404 otherwise."""
    try:
        merge = Merge.objects.get(pk=pk)
    except (Merge.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("merge not found") from exc
    if not access.visible_to(actor, MODELS[merge.target]).filter(pk=merge.survivor_id).exists():
        raise Http404("merge not found")
    return merge


def merge_undo_by(*, actor: User, merge: Merge) -> Merge:
    merge_undo(actor=actor, merge=merge)
    return merge


def recent_merges(*, actor: User, limit: int = 10) -> list[Merge]:
    """The actor's own latest merges (for the undo buttons of the queue)."""
    return list(Merge.objects.filter(created_by=actor).order_by("-created_at")[:limit])
