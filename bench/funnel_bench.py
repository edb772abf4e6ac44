"""The sales funnel (open and closed) over N deals with ~10 stage visits each, through the
real selectors, against the single raw SQL query computing the same figures.

    python bench/funnel_bench.py [--deals N] [--db sqlite|postgresql]

Database: ``var/bench/funnel.sqlite3`` or PostgreSQL database ``rapport_bench_funnel`` on
``BENCH_PG_URL`` (default postgres://postgres@127.0.0.1:5432), created by ``migrate``;
reused when it already holds N deals, otherwise emptied and generated again (COPY on
PostgreSQL, executemany in batches on SQLite, the two big tables' indexes dropped during
the load and built after it). Then, in a child process with ``DEBUG=0``, it times
``rapport.sales.selectors.funnel.funnel`` (open part and closed part separately; one
pipeline, a one-year period; as a director and as a manager) alternating with the raw SQL
doing the same work, and prints p50/p95, the ratio (target: within 2x) and the queries
per call, as a Markdown table. See bench/README.md, "Sales funnel".

Environment: BENCH_PG_URL, BENCH_SAMPLES (20), BENCH_WARMUP (2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "funnel.sqlite3"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_NAME = os.environ.get("BENCH_FUNNEL_PG_NAME", "rapport_bench_funnel")
RESULT = "BENCH-RESULT "
TARGET_RATIO = 2.0
MANAGERS = 20
CLIENTS_PER_MANAGER = 500
MAIN_STAGES = ["Lead", "Qualification", "Proposal", "Negotiation", "Contract", "Signing"]
SIDE_STAGES = ["Request", "Offer", "Order"]
BATCH = 20_000  # deals per batch (about 10x as many visits)
NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
ENV = {
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "DEBUG": "0",
    "RAPPORT_TESTING": "1",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "PYTHONUNBUFFERED": "1",
}


def database_url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return f"{PG_SERVER}/{PG_NAME}"


def ensure_pg_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def child(args: list[str], db: str) -> dict[str, Any]:
    env = {**os.environ, **ENV, "DATABASE_URL": database_url(db)}
    proc = subprocess.Popen(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    result = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT) :])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0 or result is None:
        raise SystemExit(f"child {args} failed ({proc.returncode})")
    return result


# --- child side: data -----------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def _reference_data() -> dict[str, Any]:
    """Organisation, departments, director, head, managers, clients, two pipelines."""
    from rapport.catalog.models import Currency
    from rapport.core.models import Department, Organisation, Role, User
    from rapport.parties.models import Client
    from rapport.sales.models import Pipeline, Stage

    org = Organisation.objects.create(name="Bench", currency="EUR")
    Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})
    office = Department.objects.create(name="Head office", organisation=org)
    deps = [
        Department.objects.create(name=f"Sales {n}", parent=office, organisation=org)
        for n in range(4)
    ]
    User.objects.create(username="director", role=Role.DIRECTOR, department=office)
    User.objects.create(username="head", role=Role.HEAD, department=deps[0])
    managers = [
        User.objects.create(
            username=f"manager{n}", role=Role.MANAGER, department=deps[n % len(deps)]
        )
        for n in range(MANAGERS)
    ]
    clients = []
    for m, manager in enumerate(managers):
        batch = [
            Client(
                name=f"Client {m}-{n}",
                search_name=f"client {m}-{n}",
                name_key=f"client {m}-{n}",
                manager=manager,
                department=manager.department,
            )
            for n in range(CLIENTS_PER_MANAGER)
        ]
        clients.append([c.pk for c in Client.objects.bulk_create(batch, batch_size=1000)])
    main = Pipeline.objects.create(name="Main", is_default=True)
    side = Pipeline.objects.create(name="Side", position=1)
    stages = {}
    for pipeline, names in ((main, MAIN_STAGES), (side, SIDE_STAGES)):
        stages[pipeline.pk] = [
            Stage.objects.create(
                pipeline=pipeline, name=name, position=i, probability=10 + 80 * i // len(names)
            )
            for i, name in enumerate(names)
        ]
    return {
        "managers": [(m.pk, m.department_id) for m in managers],
        "clients": clients,
        "pipelines": [
            (p.pk, [(s.pk, s.position, s.probability) for s in stages[p.pk]]) for p in (main, side)
        ],
    }


def _deal_rows(rng: random.Random, ref: dict[str, Any], count: int):
    """Yields (deal values, [visit values]) for ``count`` deals over the two years up to
    NOW: 40% open, 35% lost, 25% won; ~10 stage visits per deal (forward through the
    stages, then back and forth between the last two)."""
    span = 730 * 86400
    for _n in range(count):
        pipeline_id, stages = ref["pipelines"][0 if rng.random() < 0.9 else 1]
        m = rng.randrange(MANAGERS)
        manager_id, department_id = ref["managers"][m]
        client_id = ref["clients"][m][rng.randrange(CLIENTS_PER_MANAGER)]
        roll = rng.random()
        last = len(stages) - 1
        if roll < 0.40:
            status, furthest = "open", min(int(rng.expovariate(0.6)), last)
        elif roll < 0.75:
            status, furthest = "lost", min(int(rng.expovariate(0.5)), last)
        else:
            status, furthest = "won", last
        visits_wanted = rng.randint(6, 14)
        path = list(range(furthest + 1))
        while len(path) < visits_wanted:
            path.append(max(furthest - 1, 0) if path[-1] == furthest else furthest)
        created = NOW - dt.timedelta(seconds=rng.randrange(span))
        at = created
        visits = []
        for i, pos in enumerate(path):
            stay = dt.timedelta(seconds=rng.randrange(3600, 8 * 86400))
            left = at + stay
            is_last = i == len(path) - 1
            visits.append([stages[pos][0], at, None if is_last and status == "open" else left])
            at = left
        stage_id, _pos, probability = stages[path[-1]]
        closed_at = at if status != "open" else None
        amount = Decimal(rng.randrange(10_000, 10_000_000)) / 100
        deal = {
            "id": uuid.uuid4(),
            "created_at": created,
            "updated_at": at,
            "title": f"Deal {_n}",
            "client_id": client_id,
            "pipeline_id": pipeline_id,
            "stage_id": stage_id,
            "status": status,
            "amount": amount,
            "currency_id": "EUR",
            "amount_base": amount,
            "probability": probability,
            "manager_id": manager_id,
            "department_id": department_id,
            "lost_comment": "",
            "closed_at": closed_at,
            "stage_entered_at": visits[-1][1],
            "furthest_position": furthest,
            "description": "",
            "properties": {},
            "version": 1,
        }
        yield deal, [(pipeline_id, *v) for v in visits]


def _columns(model: Any, values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """The model's columns and, for those ``values`` does not give, their constant value
    (NULL when nullable, else the field's default)."""
    names, constants = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in values:
            continue
        names.append(field.column)
        if field.attname in values or field.name in values:
            constants.append(KEEP)
        elif field.null:
            constants.append(None)
        else:
            constants.append(field.get_default())
    return names, constants


KEEP = object()


def _indexes(connection: Any, table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND "
                "NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
        return list(cur.fetchall())


def child_generate(deals: int) -> dict[str, Any]:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from rapport.sales.models import Deal, StageVisit

    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    if Deal.objects.count() == deals:
        return {"generated": False, "deals": deals, "visits": StageVisit.objects.count()}
    print("  emptying the bench database ...", flush=True)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    ref = _reference_data()
    rng = random.Random(deals)
    sample = next(_deal_rows(random.Random(0), ref, 1))[0]
    deal_cols, deal_consts = _columns(Deal, sample)
    deal_fields = [f for f in Deal._meta.concrete_fields if f.column in deal_cols]
    visit_cols = ["pipeline_id", "stage_id", "entered_at", "left_at", "deal_id"]
    dropped = {t: _indexes(connection, t) for t in (Deal._meta.db_table, "sales_stagevisit")}
    with connection.cursor() as cur:
        for _table, indexes in dropped.items():
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    postgres = connection.vendor == "postgresql"
    total_visits = 0
    done = 0
    while done < deals:
        size = min(BATCH, deals - done)
        deal_rows, visit_rows = [], []
        for deal, visits in _deal_rows(rng, ref, size):
            row = []
            for field, const in zip(deal_fields, deal_consts, strict=True):
                value = deal.get(field.attname, deal.get(field.name)) if const is KEEP else const
                row.append(value)
            deal_rows.append(row)
            for visit in visits:
                visit_rows.append((*visit, deal["id"]))
        total_visits += len(visit_rows)
        with transaction.atomic():
            if postgres:
                _copy(connection, Deal._meta.db_table, deal_cols, deal_rows)
                _copy(connection, "sales_stagevisit", visit_cols, visit_rows)
            else:
                _insert(connection, Deal._meta.db_table, deal_cols, deal_rows)
                _insert(connection, "sales_stagevisit", visit_cols, visit_rows)
        done += size
        rate = done / (time.perf_counter() - started)
        print(f"  {done:,} deals, {total_visits:,} visits ({rate:,.0f} deals/s)", flush=True)
    print("  building the indexes, ANALYZE ...", flush=True)
    with connection.cursor() as cur:
        for indexes in dropped.values():
            for _name, sql in indexes:
                cur.execute(sql)
        cur.execute("ANALYZE")
    return {
        "generated": True,
        "deals": deals,
        "visits": total_visits,
        "seconds": time.perf_counter() - started,
    }


def _copy(connection: Any, table: str, columns: list[str], rows: list[Any]) -> None:
    raw = connection.connection  # psycopg 3 connection
    cols = ", ".join(columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row])


def _insert(connection: Any, table: str, columns: list[str], rows: list[Any]) -> None:
    """executemany with the values as Django stores them on SQLite (UUIDs as hex, datetimes
    as naive UTC text, decimals as text, JSON as text)."""

    def adapt(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    raw = connection.connection
    raw.executemany(sql, ([adapt(v) for v in row] for row in rows))


# --- child side: measuring -------------------------------------------------------------


def _scope_sql(role: str) -> str:
    """The deal scope of the manager (the rule of sales/access.py: deals of the clients
    they see, own or shared, and deals they manage), as SQL; nothing for the director."""
    if role == "director":
        return ""
    return (
        " AND (d.manager_id = %(me)s OR d.client_id IN (SELECT c.id FROM parties_client c "
        "WHERE c.manager_id = %(me)s OR c.id IN (SELECT s.client_id FROM "
        "parties_clientshare s WHERE s.user_id = %(me)s)))"
    )


def raw_open_sql(role: str) -> str:
    return (
        "SELECT d.stage_id, COUNT(*), SUM(d.amount_base), SUM(d.amount_base * d.probability) "
        "FROM sales_deal d WHERE d.deleted_at IS NULL AND d.pipeline_id = %(pipeline)s "
        "AND d.status = 'open'" + _scope_sql(role) + " GROUP BY d.stage_id"
    )


def raw_closed_sql(role: str, positions: list[int], vendor: str) -> str:
    """One statement: reached / reached-and-won per stage, won, lost (conditional
    aggregates over the closed deals) joined to the seconds spent per stage and the
    number of deals that stayed there (their stage visits)."""
    reach = ", ".join(
        f"SUM(CASE WHEN furthest_position >= {p} THEN 1 ELSE 0 END) AS r{i}, "
        f"SUM(CASE WHEN furthest_position >= {p} AND status = 'won' THEN 1 ELSE 0 END) AS w{i}"
        for i, p in enumerate(positions)
    )
    if vendor == "sqlite":
        seconds = (
            "(julianday(COALESCE(v.left_at, c.closed_at)) - julianday(v.entered_at)) * 86400.0"
        )
    else:
        seconds = "EXTRACT(EPOCH FROM (COALESCE(v.left_at, c.closed_at) - v.entered_at))"
    return (
        "WITH closed AS MATERIALIZED (SELECT d.id, d.furthest_position, d.status, d.closed_at "
        "FROM sales_deal d WHERE d.deleted_at IS NULL AND d.pipeline_id = %(pipeline)s "
        "AND d.status IN ('won', 'lost') AND d.closed_at >= %(start)s "
        "AND d.closed_at < %(end)s" + _scope_sql(role) + "), "
        f"totals AS (SELECT SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won, "
        f"SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost, {reach} FROM closed), "
        f"times AS (SELECT v.stage_id, SUM({seconds}) AS seconds, "
        "COUNT(DISTINCT v.deal_id) AS deals FROM closed c CROSS JOIN sales_stagevisit v "
        "WHERE v.deal_id = c.id AND v.pipeline_id = %(pipeline)s "
        "GROUP BY v.stage_id) "
        "SELECT * FROM totals LEFT JOIN times ON 1 = 1"
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def child_measure(samples: int, warmup: int) -> dict[str, Any]:
    _setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.core.models import User
    from rapport.sales.models import Deal, Pipeline, StageVisit
    from rapport.sales.selectors.funnel import FunnelFilters, funnel, period_bounds

    main = Pipeline.objects.get(name="Main")
    positions = list(main.stages.order_by("position").values_list("position", flat=True))
    date_to = NOW.date()
    date_from = date_to - dt.timedelta(days=364)
    filters = FunnelFilters(pipeline=main.pk, date_from=date_from, date_to=date_to)
    start, end = period_bounds(date_from, date_to, dt.UTC)
    actors = {
        "director": User.objects.get(username="director"),
        "manager": User.objects.get(username="manager0"),
    }
    for actor in actors.values():
        actor.time_zone = "UTC"
    vendor = connection.vendor

    def db_value(value: Any) -> Any:
        if vendor == "sqlite":
            if isinstance(value, uuid.UUID):
                return value.hex
            if isinstance(value, dt.datetime):
                return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        return value

    results = []
    for role, actor in actors.items():
        params = {
            "pipeline": db_value(main.pk),
            "me": db_value(actor.pk),
            "start": db_value(start),
            "end": db_value(end),
        }
        for part in ("open", "closed"):
            sql = raw_open_sql(role) if part == "open" else raw_closed_sql(role, positions, vendor)
            kwargs = {"include_open": part == "open", "include_closed": part == "closed"}

            def real(actor=actor, kwargs=kwargs):
                return funnel(actor=actor, filters=filters, **kwargs)

            def raw(sql=sql, params=params):
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall()

            for _n in range(warmup):
                real()
                raw()
            with CaptureQueriesContext(connection) as ctx:
                result = real()
            raw_rows = raw()
            check = _check(part, result, raw_rows, positions)
            real_ms, raw_ms = [], []
            for _n in range(samples):
                t = time.perf_counter()
                real()
                real_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                raw()
                raw_ms.append((time.perf_counter() - t) * 1000)
            results.append(
                {
                    "role": role,
                    "part": part,
                    "queries": len(ctx.captured_queries),
                    "real": {"p50": _pct(real_ms, 0.5), "p95": _pct(real_ms, 0.95)},
                    "raw": {"p50": _pct(raw_ms, 0.5), "p95": _pct(raw_ms, 0.95)},
                    "same_figures": check,
                    "open": result.open_count,
                    "closed": result.won + result.lost,
                }
            )
            print(
                f"  {role:<8} {part:<6} real p50 {statistics.median(real_ms):8.1f} ms, "
                f"raw p50 {statistics.median(raw_ms):8.1f} ms, same figures: {check}",
                flush=True,
            )
    return {
        "database": f"{vendor} {connection.Database.__name__}",
        "deals": Deal.objects.count(),
        "visits": StageVisit.objects.count(),
        "results": results,
    }


def _check(part: str, result: Any, rows: list[Any], positions: list[int]) -> bool:
    """Whether the selector's figures equal the raw query's."""
    if part == "open":
        raw = {str(r[0]).replace("-", ""): r[1] for r in rows}
        mine = {str(s.stage).replace("-", ""): s.open_count for s in result.stages if s.open_count}
        return raw == mine
    first = rows[0] if rows else None
    if first is None:
        return result.won == 0
    won, lost = first[0] or 0, first[1] or 0
    reached = [first[2 + 2 * i] or 0 for i in range(len(positions))]
    return (won, lost) == (result.won, result.lost) and reached == [
        s.reached for s in result.stages
    ]


# --- parent side ----------------------------------------------------------------------


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--child", choices=["generate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    samples = int(os.environ.get("BENCH_SAMPLES", "20"))
    warmup = int(os.environ.get("BENCH_WARMUP", "2"))
    if args.child == "generate":
        result = child_generate(args.deals)
        print(RESULT + json.dumps(result, default=str), flush=True)
        return 0
    if args.child == "measure":
        result = child_measure(samples, warmup)
        print(RESULT + json.dumps(result, default=str), flush=True)
        return 0

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.db == "postgresql":
        ensure_pg_database()
    print(f"== funnel, {args.db}, {args.deals:,} deals ({database_url(args.db)})", flush=True)
    generated = child(["--child", "generate", "--deals", str(args.deals)], args.db)
    load_before = _load()
    measured = child(["--child", "measure", "--deals", str(args.deals)], args.db)
    print(report(args, generated, measured, load_before, _load(), samples))
    ok = all(r["same_figures"] for r in measured["results"])
    return 0 if ok else 1


def report(args, generated, measured, load_before, load_after, samples) -> str:
    lines = [
        "",
        f"Sales funnel over {measured['deals']:,} deals and {measured['visits']:,} stage "
        f"visits, {measured['database']}, {os.cpu_count()} CPU, load average {load_before} "
        f"before, {load_after} after; {samples} samples each, alternating with the raw SQL.",
        "",
        "| db | actor | funnel | deals counted | p50 ms | p95 ms | raw SQL p50 | raw SQL p95 "
        "| p50 ratio | p95 ratio | queries | same figures |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for r in measured["results"]:
        ratio50 = r["real"]["p50"] / r["raw"]["p50"]
        ratio95 = r["real"]["p95"] / r["raw"]["p95"]
        counted = r["open"] if r["part"] == "open" else r["closed"]
        lines.append(
            f"| {args.db} | {r['role']} | {r['part']} | {counted:,} | {r['real']['p50']:.1f} | "
            f"{r['real']['p95']:.1f} | {r['raw']['p50']:.1f} | {r['raw']['p95']:.1f} | "
            f"{ratio50:.2f}x | {ratio95:.2f}x | {r['queries']} | "
            f"{'yes' if r['same_figures'] else 'NO'} |"
        )
        verdicts.append((r["role"], r["part"], ratio95))
    lines.append("")
    lines.append(f"Target: the p95 of each funnel within {TARGET_RATIO:.0f}x of its raw SQL.")
    for role, part, ratio in verdicts:
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        lines.append(f"  {verdict}  {args.db:<10} {role:<8} {part:<6} {ratio:.2f}x")
    if generated.get("generated"):
        lines.append(
            f"Generated {generated['deals']:,} deals and {generated['visits']:,} visits in "
            f"{generated['seconds']:.0f} s."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
