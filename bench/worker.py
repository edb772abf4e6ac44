"""One cell of the benchmark matrix: one database, one data size.

Run by ``bench/run.py`` in a fresh process with ``DATABASE_URL`` pointing at the bench
database of that size. It migrates, creates the demo company if the database is empty,
tops the client count up to the size with ``seed_demo`` (so a database of the right size
is reused as is), then times the pages in-process with ``django.test.Client`` next to
the raw SQL that fetches the same rows, and prints one JSON line prefixed ``BENCH-RESULT``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.core.models import Role, User  # noqa: E402
from rapport.core.services import api_token_issue  # noqa: E402
from rapport.parties.models import Client, RelationshipStatus  # noqa: E402

RESULT_PREFIX = "BENCH-RESULT "


def log(message: str) -> None:
    print(message, flush=True)


# --- preparing the data ---------------------------------------------------------------


def prepare(size: int) -> dict[str, Any]:
    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    if not User.objects.filter(role__in=[Role.MANAGER, Role.HEAD]).exists():
        from rapport.parties.demo import create_demo_company

        create_demo_company()
        log("  demo company created")
    have = Client.objects.filter(deleted_at__isnull=True).count()
    seeded, seconds = 0, 0.0
    if have < size:
        log(f"  {have:,} clients present, seeding {size - have:,} more")
        started = time.perf_counter()
        call_command(
            "seed_demo", clients=size - have, seed=size + have, batch=5000, stdout=sys.stdout
        )
        seconds = time.perf_counter() - started
        seeded = size - have
    else:
        log(f"  reusing the database: {have:,} clients present")
    return {
        "clients": Client.objects.filter(deleted_at__isnull=True).count(),
        "seeded": seeded,
        "seed_seconds": round(seconds, 1),
    }


# --- timing ---------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "mean": statistics.fmean(times),
    }


def timed_pair(page, baseline, samples: int, extra=None) -> tuple[dict[str, float], ...]:
    """Time the page and its raw SQL (and an extra baseline) alternately, so that all of
    them see the same machine load."""
    fns = [page, baseline] + ([extra] if extra else [])
    times: list[list[float]] = [[] for _fn in fns]
    for _n in range(samples):
        for fn, bucket in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            bucket.append((time.perf_counter() - started) * 1000)
    return tuple(summary(bucket) for bucket in times)


def db_value(value: Any) -> Any:
    """A UUID as the database stores it (hex text on SQLite, uuid on PostgreSQL)."""
    return Client._meta.pk.get_db_prep_value(value, connection)


def raw(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_many(statements: list[tuple[str, list[Any]]]) -> int:
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


LIST_SQL = (
    "SELECT * FROM parties_client WHERE manager_id = %s AND status_id = %s "
    "AND deleted_at IS NULL AND search_name LIKE %s ORDER BY search_name, id LIMIT 50"
)
SEARCH_SQL = (
    "SELECT * FROM parties_client WHERE deleted_at IS NULL AND search_name LIKE %s "
    "ORDER BY search_name, id LIMIT 50"
)
# What a list page shows besides the client rows, for the ids of the page: contact details,
# addresses and categories (the list API answers all three for each client).
PAGE_DETAIL_SQL = [
    "SELECT client_id, channel, value, type FROM parties_contactpoint "
    "WHERE client_id IN ({ids}) ORDER BY channel, position",
    "SELECT * FROM parties_address WHERE client_id IN ({ids}) ORDER BY type, id",
    "SELECT client_id, tag_id FROM parties_client_tags WHERE client_id IN ({ids})",
]


def raw_with_details(sql: str, params: list[Any]) -> int:
    """The raw database doing the list page's work: the page of clients, then the details
    of those clients (the same four statements the page needs, without Python)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        ids = [row[0] for row in rows]
        if not ids:
            return 0
        marks = ", ".join(["%s"] * len(ids))
        for detail in PAGE_DETAIL_SQL:
            cursor.execute(detail.format(ids=marks), ids)
            cursor.fetchall()
    return len(rows)


CARD_SQL = [
    "SELECT * FROM parties_client WHERE id = %s",
    "SELECT * FROM parties_contactpoint WHERE client_id = %s ORDER BY channel, position",
    "SELECT p.*, r.position, r.role FROM parties_contactrole r "
    "JOIN parties_contactperson p ON p.id = r.contact_id WHERE r.client_id = %s",
]


def explain(sql: str, params: list[Any]) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def measure(samples: int, warmup: int, search: str, rare: str, common: str) -> dict[str, Any]:
    director = User.objects.get(username="director")
    manager = User.objects.get(username="manager1")
    status = RelationshipStatus.objects.get(code="active")
    like = f"%{search}%"
    list_params = [db_value(manager.pk), db_value(status.pk), like]
    raw_rows = raw(LIST_SQL, list_params)
    card_client = (
        Client.objects.filter(manager=manager, deleted_at__isnull=True, contact_roles__isnull=False)
        .order_by("search_name", "id")
        .first()
    )
    query = {"manager": str(manager.pk), "status": str(status.pk), "search": search}
    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=director)}")
    api_as_manager = HttpClient(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=manager)}")
    web = HttpClient()
    web.force_login(director)
    card_params = [db_value(card_client.pk)]
    list_rows = lambda: raw(LIST_SQL, list_params)  # noqa: E731
    list_work = lambda: raw_with_details(LIST_SQL, list_params)  # noqa: E731
    card_raw = lambda: raw_many([(sql, card_params) for sql in CARD_SQL])  # noqa: E731

    # (name, page, raw SQL doing the page's work, raw SQL of the client rows alone)
    pages = [
        (
            "list API (director)",
            lambda: api.get("/api/v1/clients/", query, secure=True),
            list_work,
            list_rows,
        ),
        (
            "list API (the manager)",
            lambda: api_as_manager.get("/api/v1/clients/", query, secure=True),
            list_work,
            list_rows,
        ),
        (
            "list HTML (director)",
            lambda: web.get("/clients/", query, secure=True),
            list_work,
            list_rows,
        ),
        (
            "client card HTML",
            lambda: web.get(f"/clients/{card_client.pk}/", secure=True),
            card_raw,
            None,
        ),
        # Search as you type with no other filter, for a text no client has: the worst
        # case of LIKE '%text%' (every name is looked at).
        (
            "list API, search only, no match",
            lambda: api.get("/api/v1/clients/", {"search": rare}, secure=True),
            lambda: raw_with_details(SEARCH_SQL, [f"%{rare}%"]),
            lambda: raw(SEARCH_SQL, [f"%{rare}%"]),
        ),
        # A short text many names contain, typed with no other filter.
        (
            "list API, search only, common text",
            lambda: api.get("/api/v1/clients/", {"search": common}, secure=True),
            lambda: raw_with_details(SEARCH_SQL, [f"%{common}%"]),
            lambda: raw(SEARCH_SQL, [f"%{common}%"]),
        ),
    ]
    results = []
    for name, page, baseline, rows_only in pages:
        try:
            for _n in range(warmup):
                page()
                baseline()
            with CaptureQueriesContext(connection) as ctx:  # steady state, after warm-up
                response = page()
        except Exception as exc:  # a page under construction must not stop the run
            results.append(
                {
                    "page": name,
                    "status": 500,
                    "queries": None,
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                }
            )
            log(f"  {name}: {type(exc).__name__}: {exc}")
            continue
        row: dict[str, Any] = {
            "page": name,
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
        }
        if response.status_code != 200:
            row["error"] = f"HTTP {response.status_code}"
            results.append(row)
            log(f"  {name}: HTTP {response.status_code}, not timed")
            continue
        if name.startswith("list API"):
            try:
                row["rows"] = len(response.json().get("results", []))
            except ValueError:
                row["rows"] = None
        row["slowest_sql"] = max(
            ctx.captured_queries, key=lambda q: float(q["time"]), default={"sql": ""}
        )["sql"][:2000]
        # The slow search rows get fewer samples so that a 1M run stays in minutes.
        count = max(20, samples // 5) if "search only" in name else samples
        row["samples"] = count
        timings = timed_pair(page, baseline, count, rows_only)
        row["page_ms"], row["raw_ms"] = timings[0], timings[1]
        if rows_only:
            row["rows_raw_ms"] = timings[2]
        results.append(row)
        log(
            f"  {name}: p95 {row['page_ms']['p95']:.1f} ms, raw p95 "
            f"{row['raw_ms']['p95']:.2f} ms, {row['queries']} queries"
        )
    return {
        "search": search,
        "raw_list_rows": len(raw_rows),
        "pages": results,
        "explain_list": explain(LIST_SQL, list_params),
        "rare_search": rare,
    }


def versions() -> dict[str, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return {"version": f"SQLite {cursor.fetchone()[0]}"}
        cursor.execute("show server_version")
        return {"version": f"PostgreSQL {cursor.fetchone()[0]}"}


def main() -> None:
    size = int(sys.argv[1])
    samples = int(os.environ.get("BENCH_SAMPLES", "100"))
    warmup = int(os.environ.get("BENCH_WARMUP", "5"))
    search = os.environ.get("BENCH_SEARCH", "альфа")
    rare = os.environ.get("BENCH_RARE_SEARCH", "щзщз")
    common = os.environ.get("BENCH_COMMON_SEARCH", "ром")
    result: dict[str, Any] = {"size": size, "vendor": connection.vendor, **versions()}
    result.update(prepare(size))
    result.update(measure(samples, warmup, search, rare, common))
    result["explain_search"] = (
        explain(SEARCH_SQL, [f"%{rare}%"])
        + "\n\n-- common text\n"
        + explain(SEARCH_SQL, [f"%{common}%"])
    )
    print(RESULT_PREFIX + json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
