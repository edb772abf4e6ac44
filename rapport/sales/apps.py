from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from rapport.core import slots
        from rapport.parties import card, demo

        from . import access, document_context, timeline  # noqa: F401  (visibility rules)
        from .demo import create_demo_sales
        from .demo_plans import create_demo_plans
        from .views.deals import DEAL_SLOTS

        timeline.register()
        # The client card lists the client's deals with a "New deal" button.
        card.register("client_details", "sales/_client_deals.html", order=5)
        # Later apps (billing) add buttons and panels to the deal card.
        slots.declare(*DEAL_SLOTS)
        # Offers and contracts are generated from deals.
        document_context.register()
        demo.register(create_demo_sales)
        demo.register(create_demo_plans)  # after the deals: plans compare with won deals
