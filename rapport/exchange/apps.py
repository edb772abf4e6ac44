from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "rapport.exchange"
    label = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        # Registers the job kinds (import, export) with core.jobs.
        from .exports import jobs as export_jobs  # noqa: F401
        from .imports import jobs as import_jobs  # noqa: F401

        # Registers what the 1C exchange can create and update (sync targets).
        from .onec.targets import billing, parties  # noqa: F401
