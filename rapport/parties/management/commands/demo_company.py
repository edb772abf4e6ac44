from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rapport.parties.demo import DEMO_PASSWORD, DEMO_USERS, create_demo_company, demo_company_exists


class Command(BaseCommand):
    help = "Create the demo company and its logins once (demo mode only), then print them."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "Demo data is created only in demo mode (DEBUG=1 or RAPPORT_DEMO=1)."
            )
        if demo_company_exists():
            self.stdout.write("Demo company already present; keeping the data.")
        else:
            create_demo_company()
            self.stdout.write(self.style.SUCCESS("Demo company created."))
        if options["quiet"]:
            return
        port = __import__("os").environ.get("PORT", "8000")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Rapport runs at http://127.0.0.1:{port}/"))
        self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}”):")
        for username, _first, _last, role, dep in DEMO_USERS:
            where = f", {dep}" if dep else ""
            self.stdout.write(f"  {username:<11} {role.label}{where}")
        self.stdout.write("")
