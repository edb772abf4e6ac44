"""Duplicate search benchmark: quality, scan time and memory, and the new-client check.

    python bench/dedup_bench.py [--size 100000] [--size 1000000] [--db sqlite|postgresql]
                                [--skip quality,scan,check] [--copy]

1. quality: a fresh database (var/bench/dedup_quality.sqlite3 / PG rapport_bench_dedup_quality)
   with generated companies and ~5% injected duplicates of known pairs (typos,
   Cyrillic/Latin transliteration in other systems, legal forms, quotes and case, phone
   formats); the scan runs, its pairs are compared with the labels: precision, recall.
2. scan: the duplicate scan over the seeded bench database of each size (var/bench/
   rapport_<size>.sqlite3 / PG rapport_bench_<size>, migrated first; ``--copy`` scans a copy
   of the SQLite file); time and peak RSS of the process running it.
3. check: "is this a duplicate?" for one new client against that database: p95 of
   ``selectors.likely_duplicates`` against the indexed SQL doing the same look-ups (one
   statement: tax id, phone, e-mail, name key and name-key prefixes), the two run in
   alternating order so that neither always finds the other's pages in the cache.

Each measurement runs in its own subprocess (``--worker``); peak memory is its
``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)`` in the parent). Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULT = "DEDUP-RESULT "
QUALITY_BASE = 20_000
DUP_SHARE = 0.05


def label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def pg_url(name: str) -> str:
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    return f"{base}/{name}"


def ensure_pg(url: str, *, fresh: bool = False) -> None:
    import psycopg

    server, _sep, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run_worker(task: str, url: str, *args: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "RAPPORT_TESTING": "1",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "PYTHONUNBUFFERED": "1",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.Popen(  # noqa: S603  (our own script)
        [sys.executable, __file__, "--worker", task, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    result: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT) :])
        else:
            print("   ", line, end="", flush=True)
    if proc.wait() != 0:
        result["failed"] = f"exit {proc.returncode}"
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["children_maxrss_mb"] = round(max(before, after) / 1024, 1)
    return result


# --- workers (run inside Django) --------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def _emit(result: dict[str, Any]) -> None:
    result["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(RESULT + json.dumps(result), flush=True)


def _run_scan(actor: Any) -> float:
    from rapport.core import jobs
    from rapport.parties.models import DuplicatePair

    DuplicatePair.objects.all().delete()
    started = time.perf_counter()
    job = jobs.job_start(actor=actor, kind="duplicate_scan", params={"targets": ["client"]})
    jobs.run_job(str(job.pk))
    job.refresh_from_db()
    if job.status != "done":
        raise SystemExit(f"scan {job.status}: {job.message}")
    return time.perf_counter() - started


def _bench_user() -> Any:
    from rapport.core.models import Role, User

    user = User.objects.filter(role=Role.ADMINISTRATOR).first()
    return user or User.objects.create(username="bench.admin", role=Role.ADMINISTRATOR)


SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "sta",
    "ne",
    "vo",
    "li",
    "tra",
    "gor",
    "del",
    "pro",
    "mar",
    "bel",
    "zan",
    "tek",
    "ver",
    "lan",
    "dor",
    "sim",
    "fer",
    "nik",
    "pol",
    "ras",
    "mon",
    "tal",
    "ber",
    "kor",
    "vin",
    "gal",
    "sen",
    "dub",
    "zel",
    "rom",
    "lux",
    "nov",
    "plas",
    "ark",
]
CYR_SYLLABLES = [
    "ха",
    "цве",
    "шко",
    "жу",
    "юр",
    "ян",
    "чер",
    "щу",
    "ка",
    "ро",
    "ми",
    "ста",
    "не",
    "во",
    "ли",
    "тра",
    "гор",
    "дел",
    "про",
    "мар",
    "бел",
    "зан",
    "тек",
    "вер",
    "лан",
    "дор",
    "сим",
    "фер",
    "ник",
    "пол",
    "рас",
    "мон",
    "тал",
    "бер",
    "кор",
    "вин",
]
# Transliteration by other systems than the one name_key uses (anyascii).
OTHER_TRANSLIT = {
    "х": "h",
    "ц": "c",
    "ш": "sz",
    "щ": "sch",
    "ж": "z",
    "ю": "ju",
    "я": "ja",
    "ч": "cz",
    "й": "j",
    "ы": "y",
    "е": "e",
    "ё": "jo",
    "э": "e",
    "ь": "",
    "ъ": "",
}
FORMS_RU, FORMS_OTHER = ["ООО", "ЗАО", "АО", "ИП"], ["LLC", "Ltd", "GmbH", "Sp. z o.o.", "S.A."]


def _translit(text: str) -> str:
    from anyascii import anyascii

    return "".join(OTHER_TRANSLIT.get(ch.lower(), anyascii(ch)) for ch in text)


def _word(rng: random.Random, cyrillic: bool) -> str:
    pool = CYR_SYLLABLES if cyrillic else SYLLABLES
    return "".join(rng.choice(pool) for _ in range(rng.randint(2, 4))).capitalize()


def _typo(rng: random.Random, name: str) -> str:
    chars = list(name)
    letters = [i for i, ch in enumerate(chars) if ch.isalpha() and i > 0]
    i = rng.choice(letters)
    kind = rng.choice(["swap", "drop", "replace"])
    if kind == "swap" and i + 1 < len(chars) and chars[i + 1].isalpha():
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == "drop":
        del chars[i]
    else:
        chars[i] = rng.choice("aeiounrst")
    return "".join(chars)


def _phone(number: int) -> tuple[str, str]:
    digits = f"{number:07d}"
    return f"+7 495 {digits[:3]}-{digits[3:5]}-{digits[5:]}", f"+7495{digits}"


def worker_quality(base_count: int) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from rapport.parties import normalize
    from rapport.parties.duplicates import MIN_SCORE, phonetic_key, sorted_tokens
    from rapport.parties.models import Client, ContactPoint, DuplicatePair

    rng = random.Random(20261127)
    actor = _bench_user()
    clients, points, truth = [], [], set()
    base_rows = []
    seen_keys = set()

    def add(name: str, tax: str, phone: tuple[str, str] | None, email: str | None) -> Client:
        client = Client(
            name=name,
            search_name=normalize.normalize_name(name),
            name_key=normalize.name_key(name),
            tax_id=tax,
            manager=actor,
        )
        clients.append(client)
        if phone:
            points.append(
                ContactPoint(client=client, channel="phone", value=phone[0], normalized=phone[1])
            )
        if email:
            points.append(
                ContactPoint(client=client, channel="email", value=email, normalized=email.lower())
            )
        return client

    while len(base_rows) < base_count:
        cyrillic = rng.random() < 0.5
        words = [_word(rng, cyrillic) for _ in range(rng.choice([1, 2, 2]))]
        root = " ".join(words)
        # Base names stay at least two edits apart after folding: closer ones would be
        # real lookalikes that the labels do not know about.
        key = sorted_tokens(phonetic_key(normalize.name_key(root)))
        near = {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}
        if len(key) < 6 or near & seen_keys:
            continue
        seen_keys.update(near)
        form = rng.choice(FORMS_RU if cyrillic else FORMS_OTHER)
        name = f"{form} «{root}»" if cyrillic else f"{root} {form}"
        n = len(base_rows)
        tax = f"{7700000000 + n}" if rng.random() < 0.5 else ""
        phone = _phone(n) if rng.random() < 0.7 else None
        domain = normalize.name_key(_translit(root)).replace(" ", "") + ".example"
        email = f"info@{domain}" if rng.random() < 0.6 else None
        base_rows.append((add(name, tax, phone, email), root, cyrillic, tax, phone, email, domain))
    for base, root, cyrillic, tax, phone, _email, domain in rng.sample(
        base_rows, int(base_count * DUP_SHARE)
    ):
        variant = root
        change = rng.choice(["typo", "translit", "form", "case"])
        if change == "translit" and cyrillic:
            variant = _translit(root)
        elif change == "typo" and len(root) >= 8:
            variant = _typo(rng, root)
        elif change == "case":
            variant = f'"{root.upper()}"'
        name = f"{variant} {rng.choice(FORMS_OTHER)}"
        keep_phone = phone and rng.random() < 0.5
        fmt_phone = (f"8 (495) {phone[1][5:]}", phone[1]) if keep_phone else None
        keep_email = rng.random() < 0.3
        dup = add(
            name,
            tax if rng.random() < 0.2 else "",
            fmt_phone,
            f"sales@{domain}" if keep_email else None,
        )
        truth.add(tuple(sorted([str(base.pk), str(dup.pk)])))
    Client.objects.bulk_create(clients, batch_size=2000)
    ContactPoint.objects.bulk_create(points, batch_size=2000)
    seconds = _run_scan(actor)
    found = {
        (str(a), str(b))
        for a, b in DuplicatePair.objects.filter(score__gte=MIN_SCORE).values_list(
            "first_id", "second_id"
        )
    }
    hits = len(found & truth)
    names = dict(Client.objects.values_list("pk", "name"))
    pairs = {(str(p.first_id), str(p.second_id)): p for p in DuplicatePair.objects.all()}
    with open(BENCH_DIR / "dedup_false_positives.txt", "w", encoding="utf-8") as out:
        for a, b in sorted(found - truth):
            pair = pairs[(a, b)]
            out.write(f"{pair.score} {pair.reasons} {names[_uuid(a)]} | {names[_uuid(b)]}\n")
    _emit(
        {
            "clients": len(clients),
            "labelled_pairs": len(truth),
            "found_pairs": len(found),
            "precision": round(hits / len(found), 4) if found else 0.0,
            "recall": round(hits / len(truth), 4) if truth else 0.0,
            "scan_s": round(seconds, 2),
        }
    )


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(value)


def worker_migrate() -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    _emit({"migrate_s": round(time.perf_counter() - started, 1)})


def worker_scan() -> None:
    from rapport.parties.models import Client, DuplicatePair

    count = Client.objects.filter(deleted_at__isnull=True).count()
    seconds = _run_scan(_bench_user())
    _emit(
        {
            "clients": count,
            "scan_s": round(seconds, 1),
            "pairs": DuplicatePair.objects.filter(target="client").count(),
        }
    )


def worker_check(samples: int) -> None:
    from django.db import connection

    from rapport.parties import selectors
    from rapport.parties.models import Client, ContactPoint
    from rapport.parties.selectors import _name_prefixes

    actor = _bench_user()
    rng = random.Random(7)
    ids = list(Client.objects.order_by("?").values_list("pk", flat=True)[:samples])
    inputs = []
    for pk in ids:
        client = Client.objects.get(pk=pk)
        phone = ContactPoint.objects.filter(client=client, channel="phone").first()
        email = ContactPoint.objects.filter(client=client, channel="email").first()
        inputs.append(
            {
                "name": _typo(rng, client.name) if len(client.name) > 6 else client.name,
                "tax_id": client.tax_id,
                "phones": [phone.value] if phone else [],
                "emails": [email.value] if email else [],
            }
        )
    from rapport.parties import normalize

    def raw(given: dict[str, Any]) -> None:
        key = normalize.name_key(given["name"])
        parts, params = [], []
        if given["tax_id"]:
            parts.append("SELECT id FROM parties_client WHERE tax_id = %s")
            params.append(normalize.normalize_tax_id(given["tax_id"]))
        for channel, values in (("phone", given["phones"]), ("email", given["emails"])):
            for value in values:
                keyed = normalize.phone_search_key(value) if channel == "phone" else value.lower()
                parts.append(
                    "SELECT client_id FROM parties_contactpoint WHERE channel = %s "
                    "AND normalized = %s"
                )
                params += [channel, keyed]
        if len(key) >= 3:
            parts.append("SELECT id FROM parties_client WHERE name_key = %s")
            params.append(key)
        for prefix in sorted(_name_prefixes(key)) if len(key) >= 3 else []:
            parts.append(
                "SELECT id FROM (SELECT id FROM parties_client WHERE name_key >= %s "
                "AND name_key < %s LIMIT 200) n"
            )
            params += [prefix, prefix + "{"]
        sql = (
            "SELECT id, name, name_key, manager_id FROM parties_client WHERE deleted_at IS NULL"
            f" AND id IN ({' UNION ALL '.join(parts)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    ours, base = [], []
    for given in inputs[:5]:
        selectors.likely_duplicates(actor=actor, **given)
        raw(given)

    def ours_once(given: dict[str, Any]) -> None:
        selectors.likely_duplicates(actor=actor, **given)

    # Alternate which runs first: the second one finds the first one's pages in the cache.
    for i, given in enumerate(inputs):
        for fn, times in ((ours_once, ours), (raw, base))[:: 1 if i % 2 else -1]:
            t = time.perf_counter()
            fn(given)
            times.append(time.perf_counter() - t)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] * 1000

    _emit(
        {
            "samples": len(inputs),
            "ours_p50_ms": round(statistics.median(ours) * 1000, 2),
            "ours_p95_ms": round(p95(ours), 2),
            "raw_p50_ms": round(statistics.median(base) * 1000, 2),
            "raw_p95_ms": round(p95(base), 2),
            "ratio_p95": round(p95(ours) / p95(base), 2),
        }
    )


# --- the report ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip", default="")
    parser.add_argument("--copy", action="store_true", help="scan a copy of the SQLite file")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--worker", nargs="+")
    args = parser.parse_args()
    if args.worker:
        _django()
        task, *rest = args.worker
        {
            "quality": lambda: worker_quality(int(rest[0])),
            "migrate": worker_migrate,
            "scan": worker_scan,
            "check": lambda: worker_check(int(rest[0])),
        }[task]()
        return 0
    sizes, dbs, skip = args.size or [100_000], args.db or ["sqlite"], set(args.skip.split(","))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    lines = ["| db | measure | figures | target |", "| --- | --- | --- | --- |"]
    for db in dbs:
        if "quality" not in skip:
            if db == "sqlite":
                path = BENCH_DIR / "dedup_quality.sqlite3"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            else:
                url = pg_url("rapport_bench_dedup_quality")
                ensure_pg(url, fresh=True)
            print(f"== quality on {db}", flush=True)
            r = run_worker("quality", url, str(QUALITY_BASE))
            ok = r.get("precision", 0) >= 0.95 and r.get("recall", 0) >= 0.9
            lines.append(
                f"| {db} | precision / recall ({r.get('clients')} clients, "
                f"{r.get('labelled_pairs')} known pairs) | {r.get('precision')} / "
                f"{r.get('recall')} ({r.get('found_pairs')} pairs found, scan "
                f"{r.get('scan_s')} s) | >= 0.95 / >= 0.9 {'✅' if ok else '❌'} |"
            )
        for size in sizes:
            if db == "sqlite":
                source = BENCH_DIR / f"rapport_{label(size)}.sqlite3"
                target = source
                if args.copy:
                    target = BENCH_DIR / f"dedup_scan_{label(size)}.sqlite3"
                    shutil.copyfile(source, target)
                url = f"sqlite:///{target}"
            else:
                url = pg_url(f"rapport_bench_{label(size)}")
            print(f"== {db}, {size:,}: migrate", flush=True)
            migrated = run_worker("migrate", url)
            if "scan" not in skip:
                print(f"== {db}, {size:,}: scan", flush=True)
                r = run_worker("scan", url)
                lines.append(
                    f"| {db} | scan of {r.get('clients', 0):,} clients | {r.get('scan_s')} s, "
                    f"peak RSS {r.get('maxrss_mb')} MB, {r.get('pairs')} pairs (migrate "
                    f"{migrated.get('migrate_s')} s) | 1M in minutes |"
                )
            if "check" not in skip:
                print(f"== {db}, {size:,}: check", flush=True)
                r = run_worker("check", url, str(args.samples))
                lines.append(
                    f"| {db} | duplicate check, {size:,} clients ({r.get('samples')} samples) | "
                    f"p50 {r.get('ours_p50_ms')} ms, p95 {r.get('ours_p95_ms')} ms vs SQL p95 "
                    f"{r.get('raw_p95_ms')} ms: {r.get('ratio_p95')}x | within 2x "
                    f"{'✅' if (r.get('ratio_p95') or 99) <= 2 else '❌'} |"
                )
    report = "\n".join(lines)
    print("\n" + report)
    (BENCH_DIR / "dedup-last-run.md").write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
