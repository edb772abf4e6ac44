"""1C CommerceML catalogue import: N goods through the real import against a plain parse.

    BENCH_ONEC_ITEMS=100000 python bench/onec_catalog_bench.py [--db sqlite|postgresql]

Generates ``var/bench/onec_catalog_<N>/import.xml`` + ``offers.xml`` with the
catalogue writer (``catalog_export.write_import/write_offers``: 50 groups, 3 properties,
2 price types, 3 warehouses), creates a fresh database (SQLite file under var/bench/,
PostgreSQL database ``rapport_onec_catalog`` on ``BENCH_PG_URL``), migrates it, then:

1. baseline: ``lxml.etree.iterparse`` of both files and ``bulk_create`` of the same rows
   (products, their external ids, prices, stock levels) into the same tables, then wiped;
2. the import through the CommerceML endpoint, as 1C runs it (checkauth, init, the files
   in ``file_limit`` chunks, ``import`` until done, complete), in-process through Django's
   test client with the import jobs run eagerly;
3. the same files again in a new session: rows written (INSERT/UPDATE/DELETE on the
   catalogue, external ids and sync states), which must be 0.

Prints time, peak RSS and the ratio import / baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_NAME = os.environ.get("BENCH_ONEC_PG_NAME", "rapport_onec_catalog")
ITEMS = int(os.environ.get("BENCH_ONEC_ITEMS", "100000"))
BENCH_PASSWORD = "bench-1c-exchange-password"  # noqa: S105 - a throwaway bench database
DATA_TABLES = ("catalog_", "core_externalid", "exchange_syncstate", "core_propertydefinition")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, items: int) -> tuple[Path, Path]:
    from rapport.exchange.onec.commerceml import catalog_export as out

    folder.mkdir(parents=True, exist_ok=True)
    import_path, offers_path = folder / "import.xml", folder / "offers.xml"
    if import_path.exists() and offers_path.exists():
        return import_path, offers_path
    groups = [out.GroupOut(id=f"g{n}", name=f"Группа {n}") for n in range(50)]
    colours = [(f"c{n}", f"Цвет {n}") for n in range(8)]
    props = [
        out.PropertyOut(id="p-colour", name="Цвет", kind="Справочник", variants=colours),
        out.PropertyOut(id="p-weight", name="Вес", kind="Число"),
        out.PropertyOut(id="p-note", name="Примечание", kind="Строка"),
    ]

    def goods():
        for n in range(items):
            yield out.ItemOut(
                id=f"00000000-0000-0000-0000-{n:012d}",
                name=f"Товар номер {n}",
                sku=f"ART-{n}",
                barcode=f"46{n:011d}",
                unit_code="796",
                unit_name="шт",
                unit_full="Штука",
                group_id=f"g{n % 50}",
                vat="20",
                properties=[
                    ("p-colour", f"c{n % 8}"),
                    ("p-weight", f"{n % 97},5"),
                    ("p-note", "x"),
                ],
            )

    def offers():
        for n in range(items):
            yield out.OfferOut(
                id=f"00000000-0000-0000-0000-{n:012d}",
                name=f"Товар номер {n}",
                prices=[
                    ("pt-retail", Decimal(n % 1000) + Decimal("0.5"), "RUB"),
                    ("pt-whole", Decimal(n % 900), "RUB"),
                ],
                stock=[("w1", Decimal(n % 7)), ("w2", Decimal(n % 5)), ("w3", Decimal(1))],
            )

    with open(import_path, "wb") as f:
        out.write_import(f, classifier_id="bench", groups=groups, properties=props, items=goods())
    with open(offers_path, "wb") as f:
        out.write_offers(
            f,
            classifier_id="bench",
            price_types=[("pt-retail", "Розница", "RUB"), ("pt-whole", "Опт", "RUB")],
            warehouses=[("w1", "Склад 1"), ("w2", "Склад 2"), ("w3", "Склад 3")],
            offers=offers(),
        )
    return import_path, offers_path


def fresh_database(db: str) -> None:
    if db == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    else:
        path = BENCH_DIR / "onec_catalog.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def baseline(import_path: Path, offers_path: Path, admin) -> float:
    """Plain iterparse + bulk_create of the same rows into the same tables."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from lxml import etree

    from rapport.catalog.models import (
        Currency,
        PriceList,
        PriceListItem,
        PriceType,
        Product,
        StockLevel,
        Warehouse,
    )
    from rapport.core.models import ExternalId

    ns = "{urn:1C.ru:commerceml_2}"
    ct = ContentType.objects.get_for_model(Product)
    started = time.perf_counter()
    ids: dict[str, object] = {}
    with transaction.atomic():
        batch, links = [], []
        for _e, el in etree.iterparse(str(import_path), tag=f"{ns}Товар"):
            p = Product(
                name=el.findtext(f"{ns}Наименование"),
                sku=el.findtext(f"{ns}Артикул") or "",
                barcode=el.findtext(f"{ns}Штрихкод") or "",
                created_by=admin,
                properties={"colour": "x", "weight": 1, "note": "x"},
            )
            ids[el.findtext(f"{ns}Ид")] = p.pk
            batch.append(p)
            links.append(
                ExternalId(
                    content_type=ct, object_id=str(p.pk), system="raw", value=el.findtext(f"{ns}Ид")
                )
            )
            el.clear()
            if len(batch) >= 5000:
                Product.objects.bulk_create(batch)
                ExternalId.objects.bulk_create(links)
                batch, links = [], []
        Product.objects.bulk_create(batch)
        ExternalId.objects.bulk_create(links)
    rub = Currency.objects.get_or_create(code="RUB", defaults={"name": "RUB"})[0]
    lists = {}
    for code in ("pt-retail", "pt-whole"):
        pt = PriceType.objects.create(code=f"raw-{code}", name=code)
        lists[code] = PriceList.objects.create(
            name=code, price_type=pt, currency=rub, valid_from="2020-01-01"
        )
    stores = {w: Warehouse.objects.create(name=f"raw {w}") for w in ("w1", "w2", "w3")}
    with transaction.atomic():
        prices, levels = [], []
        for _e, el in etree.iterparse(str(offers_path), tag=f"{ns}Предложение"):
            pid = ids[el.findtext(f"{ns}Ид")]
            for price in el.iter(f"{ns}Цена"):
                prices.append(
                    PriceListItem(
                        price_list=lists[price.findtext(f"{ns}ИдТипаЦены")],
                        product_id=pid,
                        price=Decimal(price.findtext(f"{ns}ЦенаЗаЕдиницу")),
                    )
                )
            for store in el.iter(f"{ns}Склад"):
                levels.append(
                    StockLevel(
                        warehouse=stores[store.get("ИдСклада")],
                        product_id=pid,
                        quantity=Decimal(store.get("КоличествоНаСкладе")),
                    )
                )
            el.clear()
            if len(prices) >= 10000:
                PriceListItem.objects.bulk_create(prices)
                StockLevel.objects.bulk_create(levels)
                prices, levels = [], []
        PriceListItem.objects.bulk_create(prices)
        StockLevel.objects.bulk_create(levels)
    elapsed = time.perf_counter() - started
    # Wipe, so the import starts from an empty catalogue.
    StockLevel.objects.all().delete()
    PriceListItem.objects.all().delete()
    PriceList.objects.all().delete()
    PriceType.objects.all().delete()
    Warehouse.objects.all().delete()
    ExternalId.objects.filter(system="raw").delete()
    Product.objects.all().delete()
    return elapsed


def import_files(connection, login: str, paths) -> tuple[float, object]:
    """A whole catalogue session through the endpoint, as 1C runs it: checkauth, init,
    each file in ``file_limit`` chunks read from disk, ``import`` of each until it stops
    answering ``progress``, complete. Celery runs eagerly, so each file's import job runs
    inside its first ``import`` request."""
    from django.test import Client

    from rapport.exchange.models import ExchangeSession
    from rapport.exchange.tests.onec.emulator import OneCClient

    onec = OneCClient(
        Client(), login=login, password=BENCH_PASSWORD, url=f"/exchange/1c/{connection.code}/"
    )
    started = time.perf_counter()
    onec.start("catalog")
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(onec.file_limit or 10 * 1024 * 1024):
                reply = onec.request(
                    "POST", {"type": "catalog", "mode": "file", "filename": path.name}, chunk
                )
                onec.expect(f"file {path.name}", reply)
    for path in paths:
        reply, _texts = onec.import_file("catalog", path.name)
        onec.expect(f"import {path.name}", reply)
    onec.expect("complete", onec.complete())
    elapsed = time.perf_counter() - started
    session = ExchangeSession.objects.filter(connection=connection).order_by("-started_at")[0]
    return elapsed, session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    fresh_database(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    # The endpoint is called in-process (Django's test client, plain HTTP, eager jobs).
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection as db

    from rapport.core.models import User
    from rapport.exchange.models import Connection, ConnectionKind

    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench-admin", role="admin", is_superuser=True)
    admin.set_password(BENCH_PASSWORD)
    admin.save()
    connection = Connection.objects.create(
        kind=ConnectionKind.COMMERCEML, code="bench", name="bench", run_as=admin
    )
    t0 = time.perf_counter()
    import_path, offers_path = generate(BENCH_DIR / f"onec_catalog_{ITEMS}", ITEMS)
    gen = time.perf_counter() - t0
    raw = baseline(import_path, offers_path, admin)
    rss_before = _rss_mb()
    took, session = import_files(connection, admin.username, [import_path, offers_path])
    rss_after = _rss_mb()
    writes = {"n": 0}

    def count_writes(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            table = sql.split('"')[1] if '"' in sql else ""
            if table.startswith(DATA_TABLES):
                writes["n"] += 1
        return execute(sql, params, many, context)

    with db.execute_wrapper(count_writes):
        again, session2 = import_files(connection, admin.username, [import_path, offers_path])
    size_mb = (import_path.stat().st_size + offers_path.stat().st_size) / 1e6
    print(f"## 1C CommerceML catalogue import, {ITEMS:,} goods, {args.db}")
    print(f"files: import.xml + offers.xml, {size_mb:.0f} MB (generated in {gen:.1f} s)")
    print("| step | time, s | goods/s | peak RSS, MB |")
    print("| --- | ---: | ---: | ---: |")

    def row(step: str, seconds: float, rss: float) -> None:
        print(f"| {step} | {seconds:.1f} | {ITEMS / seconds:,.0f} | {rss:.0f} |")

    row("iterparse + bulk_create (baseline)", raw, rss_before)
    row("endpoint: upload + import (import.xml + offers.xml)", took, rss_after)
    row("same files again", again, _rss_mb())
    print(f"ratio import / baseline: {took / raw:.1f}x")
    print(f"first run counts: {session.counts}")
    print(f"second run counts: {session2.counts}; rows written: {writes['n']}")
    if writes["n"]:
        sys.exit("second run wrote rows")


if __name__ == "__main__":
    if os.environ.get("BENCH_CHILD") != "1":
        env = dict(os.environ, BENCH_CHILD="1")
        sys.exit(subprocess.call([sys.executable, __file__, *sys.argv[1:]], env=env))  # noqa: S603
    main()
