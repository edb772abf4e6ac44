"""Duplicate search: name folding, pair scoring and the blocked scan over the client base.

The scan never compares every record with every other. It looks at *blocks*:

* exact keys answered by the database (``GROUP BY ... HAVING COUNT BETWEEN 2 AND cap``):
  tax id, normalised phone, normalised e-mail, e-mail domain (public mail domains excluded);
* sorted neighbourhoods of the folded name: records sorted by the phonetic name key (tokens
  sorted, so word order does not matter), each compared with the next few distinct keys;
  a second pass sorts on the reversed key so that a typo in the first letters is found too.
  The passes are partitioned by the key's first letter, so memory holds one partition.

A key shared by more than ``cap`` records says nothing (a call centre's number, "Romashka"
a thousand times) and is skipped. Every pair found is upserted into ``DuplicatePair``
(unique on the ordered pair), so a re-run after a crash adds nothing twice, and pairs marked
"not a duplicate" keep that status.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Model, Value
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .models import (
    ChannelKind,
    Client,
    ClientKind,
    ContactPerson,
    ContactPoint,
    DuplicatePair,
    DuplicateTarget,
)

# --- rules ----------------------------------------------------------------------------

PUBLIC_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "yandex.ru",
        "ya.ru",
        "yandex.com",
        "rambler.ru",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "op.pl",
        "gazeta.pl",
        "tlen.pl",
        "poczta.fm",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "ukr.net",
        "i.ua",
        "tut.by",
        "mail.com",
        "zoho.com",
    ]
)
REASONS = {
    "tax_id": _lazy("same tax id"),
    "phone": _lazy("same phone"),
    "email": _lazy("same e-mail"),
    "domain": _lazy("same e-mail domain and similar name"),
    "name": _lazy("similar name"),
}
NAME_MIN = 88  # name similarity (0..100) that counts as "similar name"
DOMAIN_NAME_MIN = 75  # a shared company domain needs less
MIN_SCORE = 0.6  # pairs below are not stored
KEY_CAP = 20  # an exact key (tax id, phone, e-mail, name) shared by more records is noise
DOMAIN_CAP = 40
WINDOW = 4  # distinct neighbouring name keys compared in the sorted passes
PARTITION_ROWS = 250_000  # records held in memory per name pass
CHUNK = 5000
WRITE_BATCH = 2000

# Transliteration variants folded to one spelling (longest first): Cyrillic→Latin systems
# (kh/h, ts/c, shch/sch, zh/z, ya/ja/ia, yu/ju/iu), Polish (sz, cz, rz, w) and German (sch).
_FOLDS = (
    ("shch", "s"),
    ("szcz", "s"),
    ("sch", "s"),
    ("tch", "c"),
    ("sh", "s"),
    ("sz", "s"),
    ("ch", "c"),
    ("cz", "c"),
    ("kh", "h"),
    ("zh", "z"),
    ("rz", "z"),
    ("ts", "c"),
    ("tz", "c"),
    ("ph", "f"),
    ("ck", "k"),
    ("ks", "x"),
    ("q", "k"),
    ("w", "v"),
    ("y", "i"),
    ("j", "i"),
    ("ie", "e"),
    ("ii", "i"),
    ("iu", "u"),
    ("ia", "a"),
)
_DOUBLE = re.compile(r"([a-z])\1+")


def phonetic_key(key: str) -> str:
    """``name_key`` with transliteration variants folded: "khimprom", "himprom" → "himprom".

    Idempotent: ``phonetic_key(phonetic_key(k)) == phonetic_key(k)``.
    """
    text = key
    for _round in range(2):
        for src, dst in _FOLDS:
            text = text.replace(src, dst)
        text = _DOUBLE.sub(r"\1", text)
    return text


def sorted_tokens(key: str) -> str:
    return " ".join(sorted(key.split()))


def name_similarity(a: str, b: str) -> int:
    """Similarity 0..100 of two phonetic keys, word order ignored."""
    if not a or not b:
        return 0
    if a == b:
        return 100
    return int(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)))


def name_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap of neighbours) between two phonetic keys with
    their words sorted: 1 is a typo, more is another name that merely looks alike."""
    return int(OSA.distance(sorted_tokens(a), sorted_tokens(b)))


def loose_similarity(a: str, b: str) -> int:
    """Similarity where one name may hold the other ("Acme" / "Acme Tools"): used only
    together with a shared company e-mail domain."""
    return int(fuzz.token_set_ratio(a, b)) if a and b else 0


def score_pair(
    reasons: Iterable[str],
    name_sim: int,
    *,
    domain_sim: int | None = None,
    distance: int | None = None,
    length: int = 20,
    tax_conflict: bool = False,
    person: bool = False,
) -> float:
    """How likely (0..1) two records are one, from the reasons found and the name similarity.

    Different tax ids on both sides halve the score (branches of a group, namesakes); a
    person's name alone counts less than a company's. A name alone is a candidate when
    it is the same after folding or one typo away (two in a long name); a name that merely
    looks alike only supports other evidence.
    """
    codes = set(reasons)
    domain_sim = name_sim if domain_sim is None else domain_sim
    score = 0.0
    evidence = 0
    if "tax_id" in codes:
        score, evidence = max(score, 0.95), evidence + 1
    if "email" in codes:
        score, evidence = max(score, 0.9), evidence + 1
    if "phone" in codes:
        score, evidence = max(score, 0.85), evidence + 1
    if "domain" in codes and domain_sim >= DOMAIN_NAME_MIN:
        score, evidence = max(score, 0.55 + (domain_sim - 70) / 100), evidence + 1
    if name_sim >= NAME_MIN:
        if distance is None:  # estimated from the similarity
            distance = 0 if name_sim == 100 else 1 if name_sim >= 95 else 2 if name_sim >= 90 else 3
        if name_sim == 100 or distance == 0:
            by_name = 0.9
        elif distance == 1 and length >= 6:
            by_name = 0.8
        elif distance == 2 and length >= 16:
            by_name = 0.7
        else:
            by_name = 0.5
        by_name -= 0.15 if person else 0.0
        score, evidence = max(score, by_name), evidence + 1
    if evidence > 1:
        score += 0.05 * (evidence - 1)
    if codes & {"tax_id", "email", "phone"} and name_sim < 50:
        score -= 0.2
    if tax_conflict:
        score *= 0.5
    return round(max(0.0, min(1.0, score)), 3)


def reason_codes(found: Iterable[str], name_sim: int, domain_sim: int | None = None) -> list[str]:
    """The reasons shown for a pair: what was found plus "similar name" when it is."""
    codes = set(found)
    if name_sim >= NAME_MIN:
        codes.add("name")
    if (name_sim if domain_sim is None else domain_sim) < DOMAIN_NAME_MIN:
        codes.discard("domain")
    return [code for code in REASONS if code in codes]


def reason_texts(codes: Iterable[str]) -> list[str]:
    return [str(REASONS[c]) for c in codes if c in REASONS]


def ordered(a: Any, b: Any) -> tuple[str, str]:
    a, b = str(a), str(b)
    return (a, b) if a < b else (b, a)


# --- what is scanned ------------------------------------------------------------------


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
Found = dict[Pair, set[str]]


def _live(spec: Spec):
    return spec.model._default_manager.filter(deleted_at__isnull=True).order_by()


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


# --- writing pairs --------------------------------------------------------------------


def _features(spec: Spec, ids: set[str]) -> dict[str, tuple[str, str, bool]]:
    """id → (phonetic name key, tax id, is a person)."""
    fields = ["pk", "name_key"] + (["tax_id", "kind"] if spec.has_tax_id else [])
    out = {}
    for row in spec.model._default_manager.filter(pk__in=ids).values_list(*fields):
        tax, person = (row[2], row[3] == ClientKind.PERSON) if spec.has_tax_id else ("", True)
        out[str(row[0])] = (phonetic_key(row[1]), tax, person)
    return out


def write_pairs(spec: Spec, found: Found, *, seen_at: datetime) -> int:
    """Upsert the pairs found (reasons merged with those stored); answers pairs stored."""
    if not found:
        return 0
    ids = {pk for pair in found for pk in pair}
    features = _features(spec, ids)
    existing = {
        (str(p.first_id), str(p.second_id)): p
        for p in DuplicatePair.objects.filter(
            target=spec.target,
            first_id__in={a for a, _b in found},
            second_id__in={b for _a, b in found},
        )
    }
    new, changed, unchanged = [], [], []
    for (a, b), codes in found.items():
        if a not in features or b not in features:
            continue
        (key_a, tax_a, person_a), (key_b, tax_b, person_b) = features[a], features[b]
        sim = name_similarity(key_a, key_b)
        pair = existing.get((a, b))
        codes = codes | set(pair.reasons if pair else ())
        loose = loose_similarity(key_a, key_b) if "domain" in codes else sim
        reasons = reason_codes(codes, sim, loose)
        score = score_pair(
            reasons,
            sim,
            domain_sim=loose,
            distance=name_distance(key_a, key_b) if sim >= NAME_MIN else None,
            length=min(len(key_a), len(key_b)),
            tax_conflict=bool(tax_a and tax_b and tax_a != tax_b),
            person=person_a or person_b,
        )
        if pair is not None:
            if (pair.reasons, pair.score, pair.name_score) == (reasons, score, sim):
                unchanged.append(pair.pk)
            else:
                pair.reasons, pair.score, pair.name_score = reasons, score, sim
                pair.seen_at = seen_at
                changed.append(pair)
        elif score >= MIN_SCORE and reasons:
            new.append(
                DuplicatePair(
                    target=spec.target,
                    first_id=a,
                    second_id=b,
                    reasons=reasons,
                    score=score,
                    name_score=sim,
                    found_at=seen_at,
                    seen_at=seen_at,
                )
            )
    DuplicatePair.objects.bulk_create(new, ignore_conflicts=True)
    # Only rows whose reasons changed are rewritten one by one (bulk_update builds a CASE per
    # row); the others only get this scan's mark in one statement.
    DuplicatePair.objects.bulk_update(
        changed, ["reasons", "score", "name_score", "seen_at"], batch_size=500
    )
    DuplicatePair.objects.filter(pk__in=unchanged).update(seen_at=seen_at)
    return len(new)


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
        pairs: Iterable[tuple[Pair, str]] = (
            (pair, "name")
            for pair in name_blocks(
                spec, reverse=stage["reverse"], part=stage["part"], parts=stage["parts"]
            )
        )
    else:
        pairs = (
            (pair, stage["code"])
            for ids in exact_key_blocks(spec, stage["code"])
            for pair in _pairs_of(ids)
        )
    stored = 0
    found: Found = {}
    for pair, code in pairs:
        found.setdefault(pair, set()).add(code)
        if len(found) >= WRITE_BATCH:
            stored += write_pairs(spec, found, seen_at=seen_at)
            found = {}
    return stored + write_pairs(spec, found, seen_at=seen_at)


def forget_stale(targets: Iterable[str], *, started: datetime) -> int:
    """Open pairs that this scan no longer found (records changed meanwhile) go."""
    deleted, _rows = DuplicatePair.objects.filter(
        target__in=list(targets), status="open", seen_at__lt=started
    ).delete()
    return deleted


def now() -> datetime:
    return timezone.now()
