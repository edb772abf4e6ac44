"""``make bench``: client list API, list page and client card against raw SQL.

For every database (SQLite, PostgreSQL) and size (100k, 1M clients) it runs
``bench/worker.py`` in a fresh process on a bench database of its own, reused when it
already holds the right number of clients, and prints one table: p50/p95 of each page,
p50/p95 of the raw SQL that fetches the same rows, the p95 ratio and the number of SQL
queries each page does. See bench/README.md.

Environment:
  BENCH_SIZES=100000,1000000   sizes to run (clients)
  BENCH_DBS=sqlite,postgresql  databases to run
  BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   PostgreSQL server for the bench databases
  BENCH_SAMPLES=100 BENCH_WARMUP=5   timed requests per page (after warm-up)
  BENCH_SEARCH=альфа           the search text of the list pages
  BENCH_RARE_SEARCH=щзщз       a search text no client has (worst case of LIKE '%x%')
  BENCH_COMMON_SEARCH=ром      a short search text many names contain
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
TARGET_RATIO = 5.0
RESULT_PREFIX = "BENCH-RESULT "


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def database_url(db: str, size: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'rapport_{label(size)}.sqlite3'}"
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    return f"{base}/rapport_bench_{label(size)}"


def ensure_pg_database(url: str) -> None:
    import psycopg

    server, _sep, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"  created PostgreSQL database {name}", flush=True)


def run_cell(db: str, size: int) -> dict[str, Any]:
    url = database_url(db, size)
    print(f"\n== {db}, {size:,} clients ({url})", flush=True)
    if db == "postgresql":
        ensure_pg_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # Production-like: no DEBUG (no query log, no debug pages). RAPPORT_TESTING keeps
        # plain static storage (no collectstatic manifest needed) and no HTTPS redirect.
        "DEBUG": "0",
        "RAPPORT_TESTING": "1",
        "RAPPORT_DEMO": "1",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, str(ROOT / "bench" / "worker.py"), str(size)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    result = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0 or result is None:
        return {"db": db, "size": size, "failed": f"worker exited with {proc.returncode}"}
    result["db"] = db
    plans = BENCH_DIR / f"plans-{db}-{label(size)}.txt"
    plans.write_text(
        f"-- raw list SQL plan\n{result.pop('explain_list')}\n\n"
        f"-- raw search-only SQL plan\n{result.pop('explain_search', '')}\n\n"
        + "\n\n".join(
            f"-- slowest query of {p['page']}\n{p.pop('slowest_sql', '')}" for p in result["pages"]
        ),
        encoding="utf-8",
    )
    return result


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def rows_only(page: dict[str, Any]) -> str:
    """The p95 of the one statement that reads the client rows alone, and the page's ratio
    to it: stricter than the target's baseline, shown so that nobody has to guess."""
    if "rows_raw_ms" not in page:
        return "— | —"
    p95 = page["rows_raw_ms"]["p95"]
    return f"{fmt_ms(p95)} | {page['page_ms']['p95'] / p95:.1f}x"


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| db | clients | page | p50 ms | p95 ms | raw SQL p50 | raw SQL p95 | p50 ratio "
        "| p95 ratio | rows-only SQL p95 | p95 ratio to it | queries |"
    )
    lines = [head, "|" + "---|" * 12]
    verdicts = []
    for res in results:
        if "failed" in res:
            lines.append(f"| {res['db']} | {res['size']:,} | {res['failed']} |" + "  |" * 9)
            continue
        for page in res["pages"]:
            if "error" in page:
                lines.append(
                    f"| {res['db']} | {res['clients']:,} | {page['page']} | "
                    f"{page['error']} |" + "  |" * 7 + f" {page['queries'] or '—'} |"
                )
                continue
            ratio = page["page_ms"]["p95"] / page["raw_ms"]["p95"]
            lines.append(
                f"| {res['db']} | {res['clients']:,} | {page['page']} | "
                f"{fmt_ms(page['page_ms']['p50'])} | {fmt_ms(page['page_ms']['p95'])} | "
                f"{fmt_ms(page['raw_ms']['p50'])} | {fmt_ms(page['raw_ms']['p95'])} | "
                f"{page['page_ms']['p50'] / page['raw_ms']['p50']:.1f}x | "
                f"{ratio:.1f}x | {rows_only(page)} | {page['queries']} |"
            )
            if page["page"].startswith("list API"):
                verdicts.append((res["db"], res["clients"], page["page"], ratio))
    out = "\n".join(lines)
    out += (
        f"\n\nTarget: p95 of the list API filtered by manager + status + search within "
        f"{TARGET_RATIO:.0f}x of the p95 of the raw SQL that fetches the same rows: the page "
        "of clients and, for those clients, the contact details, addresses and categories "
        "the answer holds (4 statements, no Python).\n"
    )
    for db, clients, page, ratio in verdicts:
        if "search only" in page:
            continue
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        out += f"  {verdict}  {db:<10} {clients:>9,}  {page}: {ratio:.1f}x\n"
    out += (
        "Also watched (search as you type with no other filter, the worst case of "
        "LIKE '%text%'; not part of the target):\n"
    )
    for db, clients, page, ratio in verdicts:
        if "search only" in page:
            out += f"  {'':4}  {db:<10} {clients:>9,}  {page}: {ratio:.1f}x\n"
    out += query_count_summary(results)
    return out


def query_count_summary(results: list[dict[str, Any]]) -> str:
    counts: dict[tuple[str, str], dict[int, Any]] = {}
    for res in results:
        for page in res.get("pages", []):
            counts.setdefault((res["db"], page["page"]), {})[res["clients"]] = page["queries"]
    lines = ["\nSQL queries per page by data size (fixed whatever the size?):"]
    for (db, page), by_size in counts.items():
        values = ", ".join(f"{size:,}: {n}" for size, n in sorted(by_size.items()))
        same = (
            "yes"
            if len(set(by_size.values())) == 1 and len(by_size) > 1
            else "one size only"
            if len(by_size) == 1
            else "NO"
        )
        lines.append(f"  {db:<10} {page:<34} {values}  -> {same}")
    return "\n".join(lines) + "\n"


def seeding_summary(results: list[dict[str, Any]]) -> str:
    lines = []
    for res in results:
        if res.get("seeded"):
            rate = res["seeded"] / res["seed_seconds"] if res["seed_seconds"] else 0
            lines.append(
                f"  {res['db']:<10} seeded {res['seeded']:,} clients in "
                f"{res['seed_seconds']:.0f} s ({rate:,.0f} clients/s)"
            )
    return (
        ("\nSeeding this run:\n" + "\n".join(lines) + "\n")
        if lines
        else "\nSeeding this run: none (bench databases reused).\n"
    )


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",") if s]
    dbs = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]
    dbs = ["postgresql" if d in ("pg", "postgres") else d for d in dbs]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    results = [run_cell(db, size) for db in dbs for size in sizes]
    db_versions = sorted({r.get("version", "") for r in results} - {""})
    header = (
        f"Rapport bench, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"{os.cpu_count()} CPU, Python {platform.python_version()}; "
        f"{', '.join(db_versions)}; "
        f"{os.environ.get('BENCH_SAMPLES', '100')} samples per page after "
        f"{os.environ.get('BENCH_WARMUP', '5')} warm-up; "
        f"search text “{os.environ.get('BENCH_SEARCH', 'альфа')}”, no-match text "
        f"“{os.environ.get('BENCH_RARE_SEARCH', 'щзщз')}”, common text "
        f"“{os.environ.get('BENCH_COMMON_SEARCH', 'ром')}” (search-only rows: a fifth of "
        "the samples, at least 20)"
    )
    report = header + "\n\n" + table(results) + seeding_summary(results)
    print("\n" + report)
    (BENCH_DIR / "last-run.md").write_text(report, encoding="utf-8")
    (BENCH_DIR / "last-run.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0 if all("failed" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
