"""``manage.py onec_run <code>``: run one 1C connection now and print its counts.

For OData and EnterpriseData connections (CommerceML exchanges are started by 1C). The run
happens in this process, so no worker is needed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from rapport.core import jobs
from rapport.core.models import Job
from rapport.exchange.models import ExchangeSession


class Command(BaseCommand):
    help = "Run one 1C connection now (by its code) and print its counts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code", help="the connection's code")

    def handle(self, *args: Any, code: str, **options: Any) -> None:
        from rapport.exchange.onec import schedule, selectors

        connection = selectors.connection_by_code(code=code)
        if connection is None:
            raise CommandError(f"No 1C connection with the code {code!r}.")
        if schedule.runner_for(connection.kind) is None:
            raise CommandError(
                f"Connection {code!r} ({connection.get_kind_display()}) cannot be run from here: "
                "CommerceML exchanges are started by 1C."
            )
        before = set(
            ExchangeSession.objects.filter(connection=connection).values_list("pk", flat=True)
        )
        try:
            result = schedule.run_connection(connection)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        job = result if isinstance(result, Job) else getattr(result, "job", None)
        if isinstance(job, Job) and not job.is_finished:
            jobs.run_job(str(job.pk))
            job.refresh_from_db()
        session = result if isinstance(result, ExchangeSession) else None
        if session is None:
            session = (
                ExchangeSession.objects.filter(connection=connection)
                .exclude(pk__in=before)
                .order_by("-started_at")
                .first()
            )
        if session is None:
            raise CommandError("The exchange started no session.")
        session.refresh_from_db()
        counts = session.counts or {}
        self.stdout.write(
            f"{connection.code}: {session.get_status_display()}; "
            + ", ".join(
                f"{key} {counts.get(key, 0)}"
                for key in ("created", "updated", "unchanged", "rejected")
            )
        )
        if session.message:
            self.stdout.write(session.message)
        if session.status == "failed":
            raise CommandError(session.message or "The exchange failed.")
