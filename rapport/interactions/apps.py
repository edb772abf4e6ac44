from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "rapport.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        # Visibility rules; the card's timeline and the client list's interest filter.
        from rapport.parties import card

        from . import access, timeline  # noqa: F401

        timeline.register()
        card.register("client_actions", "interactions/_new_interaction_button.html")
        card.register("client_details", "interactions/_client_interests.html", order=10)
        card.register("timeline_actions", "interactions/_timeline_actions.html")
        card.register("client_list_filters", "interactions/_client_list_filter_slot.html")
        # The demo company gets interactions too (parties cannot import this app).
        from rapport.parties import demo

        from .demo import create_demo_interactions

        demo.register(create_demo_interactions)
