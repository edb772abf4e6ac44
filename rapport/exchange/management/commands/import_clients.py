"""``manage.py import_clients FILE``: import clients or contact persons in this process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from rapport.core import jobs
from rapport.core.models import Role, User
from rapport.exchange.imports import jobs as import_jobs
from rapport.exchange.imports import services
from rapport.exchange.imports.matching import MATCH_RULES


class Command(BaseCommand):
    help = "Import clients (or contact persons) from an XLSX, CSV or vCard file."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="Who imports (default: the first administrator).")
        parser.add_argument("--target", choices=["clients", "contacts"], default="clients")
        parser.add_argument("--mapping", help="JSON object: header -> field key, or @file.json")
        parser.add_argument("--match-on", choices=MATCH_RULES)
        parser.add_argument("--external-system", default="import")
        parser.add_argument("--encoding", default="")
        parser.add_argument("--delimiter", default="")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--on-error", choices=["skip", "stop"], default="skip")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}")
        actor = self._actor(options["user"])
        mapping = None
        if options["mapping"]:
            text = options["mapping"]
            if text.startswith("@"):
                text = Path(text[1:]).read_text(encoding="utf-8")
            try:
                mapping = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CommandError(f"--mapping is not JSON: {exc}") from exc
        with path.open("rb") as stream:
            try:
                job = services.import_start(
                    actor=actor,
                    file=File(stream, name=path.name),
                    name=path.name,
                    target=options["target"],
                    mapping=mapping,
                    match_on=options["match_on"],
                    external_system=options["external_system"],
                    dry_run=options["dry_run"],
                    on_error=options["on_error"],
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    run_now=True,
                )
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(_messages(exc)) from exc
        import_jobs.listeners.append(self._progress)
        try:
            status = jobs.run_job(str(job.pk))
        finally:
            import_jobs.listeners.remove(self._progress)
        job.refresh_from_db()
        counts = {k: job.counts.get(k, 0) for k in services.COUNT_NAMES}
        self.stderr.write("")
        self.stdout.write(
            f"Import {job.pk}: {status}; " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        for error in job.errors.all()[:20]:
            self.stdout.write(f"  row {error.row}: {error.field or '-'}: {error.message}")
        if job.counts.get("errors", 0) > 20:
            self.stdout.write(f"  ... {job.counts['errors'] - 20} more problems")
        if status == "failed":
            raise CommandError(job.message)

    def _actor(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(role=Role.ADMINISTRATOR).order_by("date_joined").first()
        )
        if actor is None:
            raise CommandError(f"No active user {username or '(administrator)'}")
        return actor

    def _progress(self, job) -> None:
        done = job.processed
        total = job.total or 0
        percent = f"{100 * done / total:5.1f}%" if total else ""
        counts = job.counts
        sys.stderr.write(
            f"\r{percent} row {job.state.get('row', 0)}: created {counts.get('created', 0)}, "
            f"updated {counts.get('updated', 0)}, unchanged {counts.get('unchanged', 0)}, "
            f"rejected {counts.get('rejected', 0)}   "
        )
        sys.stderr.flush()


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(getattr(exc, "messages", [str(exc)]))
