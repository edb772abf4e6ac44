"""Write the catalogue as CommerceML 2.08 (import.xml + offers.xml) into a directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.exchange.models import Connection
from rapport.exchange.onec.commerceml.catalog_export import export_catalog


class Command(BaseCommand):
    help = "Write the catalogue as CommerceML 2.08 import.xml and offers.xml."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", help="where import.xml and offers.xml are written")
        parser.add_argument(
            "--connection", help="code of a 1C connection: write its 1C ids", default=""
        )

    def handle(self, *args: Any, **options: Any) -> None:
        system = None
        if options["connection"]:
            connection = Connection.objects.filter(code=options["connection"]).first()
            if connection is None:
                raise CommandError(f"No connection with the code {options['connection']!r}.")
            system = connection.system
        import_path, offers_path = export_catalog(Path(options["directory"]), system=system)
        self.stdout.write(f"{import_path}\n{offers_path}")
