from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "rapport.billing"
    label = "billing"
    verbose_name = _("Invoices and payments")

    def ready(self) -> None:
        # Visibility rules, notification kinds, the invoices panels of the client and deal
        # cards, the demo company's invoices and the printed form of an invoice.
        from rapport.core import slots
        from rapport.core.notifications import register_kind
        from rapport.parties import card, demo

        from . import access  # noqa: F401
        from .demo import create_demo_billing
        from .document_context import register_invoice_target
        from .views.invoices import INVOICE_SLOTS

        slots.declare(*INVOICE_SLOTS)
        register_kind("invoice_due", _("Invoice due today"))
        register_kind("invoice_overdue", _("Invoice overdue"))
        card.register("client_details", "billing/_client_invoices.html", order=30)
        slots.register("deal_actions", "billing/_deal_invoice_button.html")
        slots.register("deal_panels", "billing/_deal_invoices.html")
        demo.register(create_demo_billing)
        register_invoice_target()
