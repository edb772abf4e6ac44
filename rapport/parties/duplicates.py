"""Duplicate rules: name folding, the evidence two records share, and the pair score.

The scan that applies them to the whole base is :mod:`rapport.parties.duplicate_scan`;
the new-client warning (``selectors.likely_duplicates``) uses the same folding and
similarity. A pair's reasons and score are judged from *all* the evidence of its two
records at once (:func:`judge`), whichever block found it, so a pair is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

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
    "tax_id": gettext_lazy("same tax id"),
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same e-mail"),
    "domain": gettext_lazy("same e-mail domain and similar name"),
    "name": gettext_lazy("similar name"),
}
NAME_MIN = 88  # name similarity (0..100) that counts as "similar name"
DOMAIN_NAME_MIN = 75  # a shared company domain needs less
MIN_SCORE = 0.6  # pairs below are not stored
# A key (tax id, phone, e-mail, company domain, folded name) shared by more records than
# this is noise, not a duplicate: a switchboard, a group's common domain, a common name
# ("Karen Smith", "Romashka" in every town). Real duplicate clusters are 2-5 records.
KEY_CAP = 10
DOMAIN_CAP = 10

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


@lru_cache(maxsize=1 << 17)
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


@lru_cache(maxsize=1 << 17)
def sorted_tokens(key: str) -> str:
    return " ".join(sorted(key.split()))


@lru_cache(maxsize=1 << 17)
def initials(key: str) -> tuple[str, ...]:
    """The one-letter words of a key, sorted: "ivanov a n" → ("a", "n")."""
    return tuple(sorted(t for t in key.split() if len(t) == 1))


def name_similarity(a: str, b: str) -> int:
    """Similarity 0..100 of two phonetic keys, word order ignored.

    Names with different initials ("ИП Петров А. Н." / "ИП Петров С. И.") are two people:
    never more than just below ``NAME_MIN``, however alike the rest is.
    """
    if not a or not b:
        return 0
    if a == b:
        return 100
    sim = int(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)))
    if sim >= NAME_MIN and (mine := initials(a)) and (theirs := initials(b)) and mine != theirs:
        return NAME_MIN - 1
    return sim


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
    name_alone: bool = True,
) -> float:
    """How likely (0..1) two records are one, from the reasons found and the name similarity.

    Different tax ids on both sides halve the score (branches of a group, namesakes); a
    person's name alone counts less than a company's. A name alone is a candidate when
    it is the same after folding or one typo away (two in a long name); a name that merely
    looks alike only supports other evidence. ``name_alone=False`` (clients who are
    private persons: "Karen Smith" is many people) needs a shared tax id, phone, e-mail
    or company domain besides the name.
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
        by_name = by_name if name_alone or evidence else min(by_name, MIN_SCORE - 0.05)
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


def email_domain(email: str) -> str:
    """The company domain of an e-mail address; "" for public mail services."""
    domain = email.rpartition("@")[2]
    return "" if domain in PUBLIC_DOMAINS else domain


class Features(NamedTuple):
    """What the rules compare of one record."""

    key: str  # phonetic name key
    tax_id: str
    person: bool  # a person (a client of kind "person" or a contact person)
    private: bool  # a client who is a private person or a sole trader: a name proves nothing
    phones: frozenset[str]
    emails: frozenset[str]
    clients: frozenset[str] = frozenset()  # a contact person's clients (ContactRole)

    @property
    def domains(self) -> set[str]:
        return {d for d in map(email_domain, self.emails) if d}


def judge(a: Features, b: Features) -> tuple[list[str], float, int]:
    """Reasons, score and name similarity of a pair from all the evidence of both records.

    Two different tax ids mean two legal entities (branches, namesakes): such a pair is
    never a candidate, whatever else they share (``score_pair`` halves the score).
    """
    found = set()
    if a.tax_id and a.tax_id == b.tax_id:
        found.add("tax_id")
    if a.phones & b.phones:
        found.add("phone")
    if a.emails & b.emails:
        found.add("email")
    if a.emails and b.emails and a.domains & b.domains:
        found.add("domain")
    sim = name_similarity(a.key, b.key)
    loose = loose_similarity(a.key, b.key) if "domain" in found else sim
    reasons = reason_codes(found, sim, loose)
    score = score_pair(
        reasons,
        sim,
        domain_sim=loose,
        distance=name_distance(a.key, b.key) if sim >= NAME_MIN else None,
        length=min(len(a.key), len(b.key)),
        tax_conflict=bool(a.tax_id and b.tax_id and a.tax_id != b.tax_id),
        person=a.person or b.person,
        # A person's name counts alone only for two contacts of one client.
        name_alone=not (a.private or b.private) or bool(a.clients & b.clients),
    )
    return reasons, score, sim
