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
PG_NAME = "rapport_bench_import"
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
    return {
        "status": status,
        "message": job.message,
        "seconds": seconds,
        "counts": job.counts,
        "peak_mb": peak_kb / 1024,
    }


def child_copy(path: str) -> dict[str, Any]:
    """COPY of the file into a table with the columns and indexes of parties_client."""
    import psycopg

    with psycopg.connect(database_url("postgresql"), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE parties_client INCLUDING ALL)")
        conn.execute(
            "ALTER TABLE bench_copy ALTER id SET DEFAULT gen_random_uuid(), "
            "ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now(), "
            "ALTER search_name SET DEFAULT '', ALTER name_key SET DEFAULT '', "
            "ALTER legal_name SET DEFAULT '', ALTER legal_form SET DEFAULT '', "
            "ALTER is_confidential SET DEFAULT false, ALTER properties SET DEFAULT '{}', "
            "ADD COLUMN phones text, ADD COLUMN emails text, ADD COLUMN status_name text"
        )
        started = time.perf_counter()
        with (
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
    return {"seconds": seconds, "rows": rows}


# --- parent side ----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--child", choices=["prepare", "import", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runner = {"prepare": child_prepare, "import": child_import, "copy": child_copy}
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
    print(f"importing {args.rows:,} rows ...", flush=True)
    started = time.perf_counter()
    result = child(["--child", "import", "--file", str(path)], args.db)
    wall = time.perf_counter() - started
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    copy = child(["--child", "copy", "--file", str(path)], args.db) if args.db != "sqlite" else {}
    rate = args.rows / result["seconds"]
    counts = result["counts"]
    print()
    print(
        f"Import of a {args.rows:,}-row client CSV ({path.stat().st_size / 1e6:.0f} MB), "
        f"{args.db}: status {result['status']} {result['message']}"
    )
    print()
    print("| database | rows | import s | rows/s | peak RSS MB | COPY s | COPY rows/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    copy_s = copy.get("seconds")
    print(
        f"| {args.db} | {args.rows:,} | {result['seconds']:.1f} | {rate:,.0f} | "
        f"{max(result['peak_mb'], 0):.0f} (children max {children_peak:.0f}) | "
        + (
            f"{copy_s:.1f} | {args.rows / copy_s:,.0f} | {result['seconds'] / copy_s:.1f}x |"
            if copy_s
            else "– | – | – |"
        )
    )
    print()
    print(
        "counts: "
        + ", ".join(
            f"{k} {counts.get(k, 0):,}" for k in ("created", "updated", "unchanged", "rejected")
        )
        + f"; wall time with process start {wall:.1f} s"
    )
    return 0 if result["status"] == "done" else 1


if __name__ == "__main__":
    raise SystemExit(main())
