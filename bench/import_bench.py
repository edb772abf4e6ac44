"""Import of an N-row client CSV against PostgreSQL ``COPY`` of the same file.

    python bench/import_bench.py [--rows N] [--db sqlite|postgresql]

Generates ``var/bench/import_<N>.csv`` (streaming; reused when present), creates a fresh
database (SQLite file under var/bench/, PostgreSQL database ``rapport_bench_import``;
dropped and created again each run), migrates it, creates the demo company's users,
then runs the import (the real service and job handler, in a child process) and
measures rows per second and the child's peak RSS. On PostgreSQL it also loads the same
file with ``COPY`` into a table with the columns and indexes of ``parties_client`` and
prints the ratio. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_NAME = os.environ.get("BENCH_IMPORT_PG_NAME", "rapport_bench_import")
HEADER = ["Kind", "Name", "Tax id", "Phones", "E-mails", "Relationship status", "Notes"]
RESULT = "BENCH-RESULT "
ENV = {
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "DEBUG": "0",
    "CELERY_TASK_ALWAYS_EAGER": "1",
}


def _inn10(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(9)]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def generate(path: Path, rows: int) -> None:
    if path.exists():
        return
    rng = random.Random(rows)
    statuses = ["lead", "prospect", "active", "", ""]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            person = n % 5 == 0
            name = f"Person {n}" if person else f"Company {n} {rng.choice(['LLC', 'Ltd', 'ООО'])}"
            writer.writerow(
                [
                    "person" if person else "company",
                    name,
                    _inn10(rng) if n % 3 == 0 else "",
                    f"+7 9{n % 100:02d} {n // 10000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}",
                    f"info{n}@example.com",
                    rng.choice(statuses),
                    "imported in the benchmark" if n % 4 == 0 else "",
                ]
            )
    tmp.rename(path)


def database_url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{BENCH_DIR / 'rapport_import.sqlite3'}"
    return f"{PG_SERVER}/{PG_NAME}"


def fresh_database(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{BENCH_DIR / 'rapport_import.sqlite3'}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def child(args: list[str], db: str) -> dict[str, Any]:
    env = {**os.environ, **ENV, "DATABASE_URL": database_url(db)}
    proc = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(proc.stderr[-3000:] if proc.returncode else "")
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    raise SystemExit(f"child {args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")


# --- child side -----------------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def child_prepare() -> dict[str, Any]:
    _setup_django()
    from django.core.management import call_command

    from rapport.parties.demo import create_demo_company

    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    create_demo_company()
    return {"ok": True}


def child_import(path: str) -> dict[str, Any]:
    _setup_django()
    from django.core.files import File
    from django.db import connection

    from rapport.core import jobs
    from rapport.core.models import Role, User
    from rapport.exchange.imports import services

    actor = User.objects.filter(role=Role.ADMINISTRATOR).first()
    started = time.perf_counter()
    with open(path, "rb") as stream:
        job = services.import_start(
            actor=actor,
            file=File(stream, name=Path(path).name),
            name=Path(path).name,
            match_on="tax_id",
            run_now=True,
        )
    status = jobs.run_job(str(job.pk))
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.cursor() as cursor:
        written = {}
        for table in WRITTEN:
            cursor.execute(f"SELECT count(*) FROM {table}")
            written[table] = cursor.fetchone()[0]
    return {
        "database": f"{connection.vendor} {connection.Database.__name__}",
        "written": written,
        "status": status,
        "message": job.message,
        "seconds": seconds,
        "counts": job.counts,
        "peak_mb": peak_kb / 1024,
    }


# The tables one client row of the file ends in (created by the import), in write order.
WRITTEN = (
    "parties_client",
    "parties_historicalclient",
    "parties_contactpoint",
    "parties_historicalcontactpoint",
    "parties_statuschange",
    "core_jobchange",
)


def _twin(conn: Any, table: str, twin: str) -> None:
    """``twin``: a table with the columns, defaults, indexes and foreign keys of ``table``."""
    conn.execute(f"DROP TABLE IF EXISTS {twin}")
    conn.execute(f"CREATE TABLE {twin} (LIKE {table} INCLUDING ALL)")
    fks = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    ).fetchall()
    for n, (definition,) in enumerate(fks):
        conn.execute(f"ALTER TABLE {twin} ADD CONSTRAINT {twin}_fk{n} {definition}")


def child_copy(path: str) -> dict[str, Any]:
    """COPY of the file into a twin of parties_client (same columns, indexes and foreign
    keys); the server fills search_name and name_key from the name (lower()) so that the
    name indexes, trigram index included, index real text as they do for the import."""
    import psycopg

    with psycopg.connect(database_url("postgresql"), autocommit=True) as conn:
        _twin(conn, "parties_client", "bench_copy")
        conn.execute(
            "ALTER TABLE bench_copy ALTER id SET DEFAULT gen_random_uuid(), "
            "ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now(), "
            "ALTER legal_name SET DEFAULT '', ALTER legal_form SET DEFAULT '', "
            "ALTER is_confidential SET DEFAULT false, ALTER properties SET DEFAULT '{}', "
            "ADD COLUMN phones text, ADD COLUMN emails text, ADD COLUMN status_name text"
        )
        conn.execute(
            "CREATE OR REPLACE FUNCTION bench_copy_names() RETURNS trigger AS $$ BEGIN "
            "NEW.search_name := lower(NEW.name); NEW.name_key := lower(NEW.name); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.execute(
            "CREATE TRIGGER bench_copy_names BEFORE INSERT ON bench_copy "
            "FOR EACH ROW EXECUTE FUNCTION bench_copy_names()"
        )
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(
                "COPY bench_copy (kind, name, tax_id, phones, emails, status_name, notes) "
                "FROM STDIN WITH (FORMAT csv, HEADER true, "
                "FORCE_NOT_NULL (kind, name, tax_id, phones, emails, status_name, notes))"
            ) as copy,
            open(path, "rb") as stream,
        ):
            while block := stream.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    return {"seconds": seconds, "rows": rows}


def child_floor() -> dict[str, Any]:
    """The database's own share: COPY of exactly the rows the import wrote (all its
    tables) into twins with the same indexes and foreign keys, in one transaction."""
    import psycopg

    tables: dict[str, int] = {}
    with psycopg.connect(database_url("postgresql"), autocommit=True) as conn:
        dumps = {}
        for table in WRITTEN:
            _twin(conn, table, f"bench_{table}")
            dump = BENCH_DIR / f"floor_{table}.copy"
            with (
                conn.cursor() as cur,
                dump.open("wb") as out,
                cur.copy(f"COPY {table} TO STDOUT") as copy,
            ):
                for block in copy:
                    out.write(block)
            dumps[table] = dump
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for table, dump in dumps.items():
                with cur.copy(f"COPY bench_{table} FROM STDIN") as copy, dump.open("rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
        seconds = time.perf_counter() - started
        for table, dump in dumps.items():
            tables[table] = conn.execute(f"SELECT count(*) FROM bench_{table}").fetchone()[0]
            conn.execute(f"DROP TABLE bench_{table}")
            dump.unlink()
    return {"seconds": seconds, "tables": tables}


# --- parent side ----------------------------------------------------------------------


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument(
        "--child", choices=["prepare", "import", "copy", "floor"], help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the COPY of the rows the import wrote"
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runner = {
            "prepare": child_prepare,
            "import": child_import,
            "copy": child_copy,
            "floor": child_floor,
        }
        result = runner[args.child](args.file) if args.file else runner[args.child]()
        print(RESULT + json.dumps(result, default=str), flush=True)
        return 0

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"import_{args.rows}.csv"
    print(f"generating {path} ...", flush=True)
    generate(path, args.rows)
    print(f"fresh {args.db} database, migrate, demo users ...", flush=True)
    fresh_database(args.db)
    child(["--child", "prepare"], args.db)
    postgres = args.db == "postgresql"
    copies = []
    load_before = _load()
    if postgres:
        print(f"COPY of the file (load average {load_before}) ...", flush=True)
        copies.append(child(["--child", "copy", "--file", str(path)], args.db))
    print(f"importing {args.rows:,} rows (load average {_load()}) ...", flush=True)
    result = child(["--child", "import", "--file", str(path)], args.db)
    copy = floor = {}
    if postgres:
        print("COPY of the file again, COPY of the rows the import wrote ...", flush=True)
        copies.append(child(["--child", "copy", "--file", str(path)], args.db))
        # The machine's load changes: the import is compared with the mean of a COPY
        # just before it and one just after it.
        copy = {
            "seconds": sum(c["seconds"] for c in copies) / len(copies),
            "rows": copies[0]["rows"],
            "each": [round(c["seconds"], 2) for c in copies],
        }
        floor = {} if args.no_floor else child(["--child", "floor"], args.db)
    load_after = _load()
    print(report(args, path, result, copy, floor, load_before, load_after))
    ok = result["status"] == "done"
    return 0 if ok else 1


def report(
    args: Any,
    path: Path,
    result: dict[str, Any],
    copy: dict[str, Any],
    floor: dict[str, Any],
    load_before: str,
    load_after: str,
) -> str:
    rows, seconds = args.rows, result["seconds"]
    written = result["written"]
    lines = [
        "",
        f"Import of a {rows:,}-row client CSV ({path.stat().st_size / 1e6:.0f} MB) into "
        f"{result['database']}, {os.cpu_count()} CPU, load average (1/5/15 min) "
        f"{load_before} before, {load_after} after; status {result['status']} "
        f"{result['message']}",
        "",
        "| database | rows | import s | rows/s | peak RSS MB | COPY s | COPY rows/s "
        "| import / COPY | DB floor s | import / floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    cells = [
        args.db,
        f"{rows:,}",
        f"{seconds:.1f}",
        f"{rows / seconds:,.0f}",
        f"{result['peak_mb']:.0f}",
    ]
    if copy:
        cells += [
            f"{copy['seconds']:.1f}",
            f"{rows / copy['seconds']:,.0f}",
            f"{seconds / copy['seconds']:.1f}x",
        ]
        cells += (
            [f"{floor['seconds']:.1f}", f"{seconds / floor['seconds']:.1f}x"]
            if floor
            else ["–"] * 2
        )
    else:
        cells += ["–"] * 5
    lines.append("| " + " | ".join(cells) + " |")
    total = sum(written.values())
    lines += [
        "",
        "What each writes:",
        f"* import: {total:,} rows ({total / rows:.1f} per file row) in {len(written)} tables: "
        + ", ".join(f"{t} {n:,}" for t, n in written.items())
        + "; parses, validates and normalises every cell, matches by tax id, one "
        "transaction per chunk with its checkpoint.",
    ]
    if copy:
        lines += [
            f"* COPY: {copy['rows']:,} rows (1 per file row) into 1 table, a twin of "
            "parties_client (same columns, indexes and foreign keys; search_name and "
            "name_key = lower(name) by a trigger), one transaction; phones, e-mails and "
            "status stay raw text. Mean of a run just before and one just after the "
            f"import: {' s, '.join(str(x) for x in copy['each'])} s.",
        ]
    if floor:
        lines += [
            f"* DB floor: COPY of exactly the {sum(floor['tables'].values()):,} rows the "
            "import wrote into twins of its tables (same indexes and foreign keys), one "
            "transaction: the database's own share of the import.",
        ]
    counts = result["counts"]
    lines.append(
        "* counts: "
        + ", ".join(f"{k} {counts.get(k, 0):,}" for k in ("created", "updated", "unchanged"))
        + f", rejected {counts.get('rejected', 0):,}"
    )
    lines.append("")
    if copy:
        ratio = seconds / copy["seconds"]
        lines.append(f"Target within 5x of COPY: {'PASS' if ratio <= 5 else 'FAIL'} ({ratio:.1f}x)")
    memory_ok = result["peak_mb"] < 512
    lines.append(
        f"Target memory < 512 MB: {'PASS' if memory_ok else 'FAIL'} ({result['peak_mb']:.0f} MB)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
