"""``manage.py seed_demo --clients N``: many realistic demo clients, fast (bulk inserts)."""

from __future__ import annotations

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from rapport.core.models import Role, User
from rapport.parties.demo import create_demo_company
from rapport.parties.seeding import seed_clients


def _duration(seconds: float) -> str:
    minutes, sec = divmod(int(seconds), 60)
    return f"{minutes}m{sec:02d}s" if minutes else f"{seconds:.1f}s"


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data seed needs no URL or template checks

    help = (
        "Add N generated clients (companies and persons, with contact persons, phones, "
        "e-mails, statuses, categories and properties) spread over the demo managers. "
        "Bulk inserts, no history rows: a seed, not a user's edit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, required=True, help="how many clients to add")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="random seed (same seed, same data); random by default",
        )
        parser.add_argument(
            "--batch", type=int, default=5000, help="clients per transaction (default 5000)"
        )
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="skip refreshing the planner statistics at the end",
        )

    def handle(self, *args, **options):
        count, batch = options["clients"], options["batch"]
        if count < 0 or batch < 1:
            raise CommandError("--clients must be >= 0 and --batch >= 1.")
        self._require_demo_company()
        seed = (
            options["seed"]
            if options["seed"] is not None
            else random.SystemRandom().randint(1, 2**31)
        )
        verbosity = options["verbosity"]
        self.stdout.write(
            f"Seeding {count:,} clients (seed {seed}, batches of {batch:,}) "
            f"into {connection.vendor} ..."
        )
        step = max(batch, count // 20)
        next_report = [step]

        def progress(done: int, total: int, rows: int, elapsed: float) -> None:
            if verbosity < 1 or (done < next_report[0] and done != total and verbosity < 2):
                return
            next_report[0] = done + step
            rate = done / elapsed if elapsed else 0.0
            eta = (total - done) / rate if rate else 0.0
            self.stdout.write(
                f"  {done:>10,} / {total:,} clients, {rows:,} rows, "
                f"{rate:,.0f} clients/s, elapsed {_duration(elapsed)}, "
                f"ETA {_duration(eta)}"
            )
            self.stdout.flush()

        result = seed_clients(count=count, seed=seed, batch_size=batch, progress=progress)
        if not options["no_analyze"] and count:
            self._analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.clients:,} clients ({result.rows:,} rows) in "
                f"{_duration(result.seconds)}."
            )
        )

    def _require_demo_company(self) -> None:
        if User.objects.filter(role__in=[Role.MANAGER, Role.HEAD], is_active=True).exists():
            return
        if not User.objects.exists() and settings.DEMO_MODE:
            create_demo_company()
            self.stdout.write("Demo company created (logins: manage.py demo_company).")
            return
        raise CommandError(
            "No managers to own the clients. Create the demo company first "
            "(`DEBUG=1 manage.py demo_company` on an empty database) or add users with the "
            "role manager or head of department."
        )

    def _analyze(self) -> None:
        """Fresh planner statistics after a bulk load, as after any large import."""
        tables = [
            "parties_client",
            "parties_client_tags",
            "parties_contactperson",
            "parties_contactrole",
            "parties_contactpoint",
            "parties_statuschange",
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
            elif connection.vendor == "sqlite":
                cursor.execute("PRAGMA analysis_limit=2000")
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
