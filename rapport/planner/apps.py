from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlannerConfig(AppConfig):
    name = "rapport.planner"
    label = "planner"
    verbose_name = _("Planner")

    def ready(self) -> None:
        from rapport.core.reminders import register_due_time

        from . import access, tasks  # noqa: F401  (visibility rules, Celery tasks)
        from .models import Event, Task
        from .selectors.calendar import next_occurrence_start

        register_due_time(Event, lambda e: next_occurrence_start(e) or e.start)
        # The client card shows the client's next events and open tasks.
        from rapport.parties import card

        card.register("client_details", "planner/_client_card_slot.html", order=20)
        register_due_time(Task, lambda t: t.deadline)
        # Demo events, resources and tasks for the demo company (parties cannot import us).
        from rapport.parties import demo

        from .demo import create_demo_planner

        demo.register(create_demo_planner)
