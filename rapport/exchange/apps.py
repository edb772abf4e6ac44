from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "rapport.exchange"
    label = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        # Job kinds (import, export) for core.jobs; what the 1C exchange can create and
        # update (sync targets); "Send to 1C" on the invoice and deal cards; the demo
        # company's 1C connection.
        from rapport.parties import demo

        from .exports import jobs as export_jobs  # noqa: F401
        from .imports import jobs as import_jobs  # noqa: F401
        from .onec import access  # noqa: F401
        from .onec.commerceml import jobs as commerceml_jobs  # noqa: F401
        from .onec.demo import create_demo_exchange
        from .onec.enterprisedata import jobs as enterprisedata_jobs  # noqa: F401
        from .onec.odata import jobs as odata_jobs  # noqa: F401
        from .onec.outbox_slots import register_slots
        from .onec.targets import billing, catalog, parties  # noqa: F401

        register_slots()
        demo.register(create_demo_exchange)
