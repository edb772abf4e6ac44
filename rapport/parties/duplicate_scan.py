"""The duplicate scan over the whole client base (job ``duplicate_scan``, see ``tasks``).

The scan never compares every record with every other. It looks at *blocks*:

* exact keys answered by the database (``GROUP BY ... HAVING COUNT BETWEEN 2 AND cap``):
  tax id, normalised phone, normalised e-mail, e-mail domain (public mail domains excluded);
* sorted neighbourhoods of the folded name: records sorted by the phonetic name key (tokens
  sorted, so word order does not matter), each compared with the next few distinct keys;
  a second pass sorts on the reversed key so that a typo in the first letters is found too.
  The passes are partitioned by the key's first letter, so memory holds one partition.

A key shared by more than ``KEY_CAP`` records says nothing and is skipped. A candidate pair
is judged on *all* the evidence of its two records (``duplicates.judge``: tax ids, phones,
e-mails, domains, names), whichever block found it, and written once per scan: a pair
already written by this scan (``seen_at``) is skipped by later blocks, an unchanged stored
pair only gets this scan's mark. New pairs go in with one multi-row ``INSERT`` per batch
(conflicts ignored), so a re-run after a crash adds nothing twice, and pairs marked
"not a duplicate" keep that status.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Model, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone

from rapport.core.ids import new_id

from .duplicates import (
    DOMAIN_CAP,
    KEY_CAP,
    MIN_SCORE,
    NAME_MIN,
    PUBLIC_DOMAINS,
    Features,
    initials,
    judge,
    name_similarity,
    ordered,
    phonetic_key,
    sorted_tokens,
)
from .models import (
    ChannelKind,
    Client,
    ClientKind,
    ContactPerson,
    ContactPoint,
    ContactRole,
    DuplicatePair,
    DuplicateStatus,
    DuplicateTarget,
)

WINDOW = 4  # distinct neighbouring name keys compared in the sorted passes
PARTITION_ROWS = 250_000  # records held in memory per name pass
CHUNK = 5000
WRITE_BATCH = 4000  # candidate pairs judged and written at once


@dataclass(frozen=True)
class Spec:
    target: str
    model: type[Model]
    point_fk: str  # ContactPoint's foreign key to the model
    has_tax_id: bool


SPECS = {
    DuplicateTarget.CLIENT: Spec(DuplicateTarget.CLIENT, Client, "client", True),
    DuplicateTarget.CONTACT: Spec(DuplicateTarget.CONTACT, ContactPerson, "contact", False),
}

Pair = tuple[str, str]


def _live(spec: Spec):
    return spec.model._default_manager.filter(deleted_at__isnull=True).order_by()


# --- blocks ---------------------------------------------------------------------------


def _grouped(rows: Iterable[tuple[Any, Any]]) -> Iterator[list[str]]:
    """Consecutive rows with one key → the list of their record ids."""
    key, ids = None, []
    for value, pk in rows:
        if value != key:
            if len(ids) > 1:
                yield ids
            key, ids = value, []
        if str(pk) not in ids:
            ids.append(str(pk))
    if len(ids) > 1:
        yield ids


def _pairs_of(ids: list[str]) -> Iterator[Pair]:
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            yield ordered(a, b)


def exact_key_blocks(spec: Spec, code: str) -> Iterator[list[str]]:
    """Groups of live records sharing a tax id, phone, e-mail or company e-mail domain."""
    if code == "tax_id":
        live = _live(spec).exclude(tax_id="")
        groups = live.values("tax_id").annotate(n=Count("id")).filter(n__gte=2, n__lte=KEY_CAP)
        rows = live.filter(tax_id__in=groups.values("tax_id")).order_by("tax_id")
        yield from _grouped(rows.values_list("tax_id", "pk").iterator(chunk_size=CHUNK))
        return
    fk = spec.point_fk
    channel = ChannelKind.PHONE if code == "phone" else ChannelKind.EMAIL
    points = ContactPoint.objects.filter(
        channel=channel, **{f"{fk}__isnull": False, f"{fk}__deleted_at__isnull": True}
    ).order_by()
    field, cap = "normalized", KEY_CAP
    if code == "domain":
        points = points.annotate(
            domain=Substr("normalized", StrIndex("normalized", Value("@")) + 1)
        ).exclude(domain__in=PUBLIC_DOMAINS)
        field, cap = "domain", DOMAIN_CAP
    groups = (
        points.values(field)
        .annotate(n=Count(f"{fk}_id", distinct=True))
        .filter(n__gte=2, n__lte=cap)
        .values(field)
    )
    rows = points.filter(**{f"{field}__in": groups}).order_by(field, f"{fk}_id")
    yield from _grouped(rows.values_list(field, f"{fk}_id").iterator(chunk_size=CHUNK))


def name_partitions(spec: Spec) -> int:
    count = _live(spec).count()
    return max(1, -(-count // PARTITION_ROWS))


def name_blocks(spec: Spec, *, reverse: bool, part: int, parts: int) -> Iterator[Pair]:
    """Sorted neighbourhood over the folded names of one partition (by the key's first
    letter): pairs of records whose names are alike."""
    rows: list[tuple[str, str, str]] = []
    live = _live(spec).exclude(name_key="").values_list("pk", "name_key")
    for pk, key in live.iterator(chunk_size=CHUNK):
        folded = phonetic_key(key)
        sort_key = sorted_tokens(folded)
        if reverse:
            sort_key = sort_key[::-1]
        if not sort_key or (parts > 1 and ord(sort_key[0]) % parts != part):
            continue
        rows.append((sort_key, folded, str(pk)))
    rows.sort()
    groups: list[tuple[str, list[str]]] = []  # (folded key, ids) per distinct sort key
    last = None
    for sort_key, folded, pk in rows:
        if sort_key != last:
            groups.append((folded, []))
            last = sort_key
        groups[-1][1].append(pk)
    del rows
    for i, (folded, ids) in enumerate(groups):
        if len(ids) > KEY_CAP:
            continue
        yield from _pairs_of(ids)
        for other, other_ids in groups[i + 1 : i + 1 + WINDOW]:
            if len(other_ids) > KEY_CAP or name_similarity(folded, other) < NAME_MIN:
                continue
            for a in ids:
                for b in other_ids:
                    yield ordered(a, b)


# --- judging and writing pairs ----------------------------------------------------------


def features(spec: Spec, ids: set[str]) -> dict[str, Features]:
    """id → what the rules compare (the records, their phones/e-mails; contact persons'
    clients)."""
    fields = ["pk", "name_key"] + (["tax_id", "kind"] if spec.has_tax_id else [])
    base: dict[str, tuple[str, str, bool, bool]] = {}
    for row in spec.model._default_manager.filter(pk__in=ids).values_list(*fields):
        key = phonetic_key(row[1])
        tax, private = (row[2], row[3] == ClientKind.PERSON) if spec.has_tax_id else ("", False)
        # A sole trader named by surname and initials ("ИП Петров А. Н.") is a person too.
        private = private or (spec.has_tax_id and bool(initials(key)))
        # Contact persons: a name alone counts only within one client (see ``judge``).
        base[str(row[0])] = (
            key,
            tax,
            private or not spec.has_tax_id,
            private or not spec.has_tax_id,
        )
    points: dict[str, tuple[set[str], set[str]]] = {pk: (set(), set()) for pk in base}
    fk = f"{spec.point_fk}_id"
    # No channel condition: it could lead the planner to the (channel, normalized) index.
    rows = ContactPoint.objects.filter(**{f"{fk}__in": list(base)}).order_by()
    for pk, channel, value in rows.values_list(fk, "channel", "normalized"):
        if channel == ChannelKind.PHONE or channel == ChannelKind.EMAIL:
            points[str(pk)][channel == ChannelKind.EMAIL].add(value)
    clients: dict[str, set[str]] = {pk: set() for pk in base}
    if not spec.has_tax_id:
        roles = ContactRole.objects.filter(contact_id__in=list(base)).order_by()
        for pk, client_id in roles.values_list("contact_id", "client_id"):
            clients[str(pk)].add(str(client_id))
    return {
        pk: Features(
            *row, frozenset(points[pk][0]), frozenset(points[pk][1]), frozenset(clients[pk])
        )
        for pk, row in base.items()
    }


_COLUMNS = ("id", "target", "first_id", "second_id", "score", "reasons", "name_score", "status",
            "found_at", "seen_at")  # fmt: skip


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Multi-row INSERT of new pairs; a pair stored meanwhile (a resumed scan) is kept."""
    if not rows:
        return
    meta, ops, qn = DuplicatePair._meta, connection.ops, connection.ops.quote_name
    fields = [meta.get_field(name) for name in _COLUMNS]
    head = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    per_batch = max(1, min(500, 30_000 // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            chunk = rows[start : start + per_batch]
            values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
            params = [
                f.get_db_prep_save(value, connection)
                for row in chunk
                for f, value in zip(fields, row, strict=True)
            ]
            cursor.execute(
                f"{head} {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                f"VALUES {values} {suffix}",
                params,
            )


def write_pairs(spec: Spec, found: set[Pair], *, seen_at: datetime) -> int:
    """Judge the candidate pairs and store those that qualify; answers new pairs stored."""
    if not found:
        return 0
    # By first id only: "first IN (...) AND second IN (...)" probes every combination.
    stored_rows = DuplicatePair.objects.filter(
        target=spec.target, first_id__in={a for a, _b in found}
    ).values_list("pk", "first_id", "second_id", "reasons", "score", "name_score", "seen_at")
    existing = {}
    for pk, first, second, reasons, score, name_score, seen in stored_rows:
        if (pair := (str(first), str(second))) in found:
            existing[pair] = (pk, reasons, score, name_score, seen)
    todo = [pair for pair in found if pair not in existing or existing[pair][4] < seen_at]
    feats = features(spec, {pk for pair in todo for pk in pair}) if todo else {}
    new, changed, unchanged = [], [], []
    for a, b in todo:
        if a not in feats or b not in feats:
            continue
        reasons, score, sim = judge(feats[a], feats[b])
        stored = existing.get((a, b))
        if stored is not None:
            if stored[1:4] == (reasons, score, sim):
                unchanged.append(stored[0])
            elif score >= MIN_SCORE and reasons:
                changed.append((stored[0], reasons, score, sim))
            # else: no longer a candidate; an open pair is forgotten at the end of the scan
        elif score >= MIN_SCORE and reasons:
            new.append((new_id(), spec.target, a, b, score, reasons, sim, DuplicateStatus.OPEN,
                        seen_at, seen_at))  # fmt: skip
    _insert(new)
    for pk, reasons, score, sim in changed:  # rare: records edited since the last scan
        DuplicatePair.objects.filter(pk=pk).update(
            reasons=reasons, score=score, name_score=sim, seen_at=seen_at
        )
    for start in range(0, len(unchanged), 2000):
        DuplicatePair.objects.filter(pk__in=unchanged[start : start + 2000]).update(seen_at=seen_at)
    return len(new)


# --- the steps of the job ----------------------------------------------------------------


def stages(targets: Iterable[str]) -> list[dict[str, Any]]:
    """The scan's steps, in order; the job's checkpoint is the index of the next one."""
    out: list[dict[str, Any]] = []
    for target in targets:
        spec = SPECS[target]
        codes = (["tax_id"] if spec.has_tax_id else []) + ["phone", "email", "domain"]
        out += [{"target": target, "code": code} for code in codes]
        parts = name_partitions(spec)
        for reverse in (False, True):
            out += [
                {"target": target, "code": "name", "reverse": reverse, "part": p, "parts": parts}
                for p in range(parts)
            ]
    return out


def run_stage(stage: dict[str, Any], *, seen_at: datetime) -> int:
    """One step of the scan; answers the number of new pairs stored."""
    spec = SPECS[stage["target"]]
    if stage["code"] == "name":
        pairs: Iterable[Pair] = name_blocks(
            spec, reverse=stage["reverse"], part=stage["part"], parts=stage["parts"]
        )
    else:
        pairs = (pair for ids in exact_key_blocks(spec, stage["code"]) for pair in _pairs_of(ids))
    stored = 0
    found: set[Pair] = set()
    for pair in pairs:
        found.add(pair)
        if len(found) >= WRITE_BATCH:
            stored += write_pairs(spec, found, seen_at=seen_at)
            found = set()
    return stored + write_pairs(spec, found, seen_at=seen_at)


def forget_stale(targets: Iterable[str], *, started: datetime) -> int:
    """Open pairs that this scan no longer found (records changed meanwhile) go."""
    deleted, _rows = DuplicatePair.objects.filter(
        target__in=list(targets), status="open", seen_at__lt=started
    ).delete()
    return deleted


def now() -> datetime:
    return timezone.now()
