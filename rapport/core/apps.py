from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # signals: login audit; jobs: registers the "undo" job kind.
        # notifications, reminders: their access rules and Celery tasks.
        from . import access, jobs, notifications, reminders, signals  # noqa: F401
        from .models import Job

        # A job is its author's: it may hold a file with the data the author could see.
        access.register(
            Job,
            visible=lambda actor, qs: qs if actor.is_administrator else qs.filter(created_by=actor),
            editable=lambda actor, job: actor.is_administrator or job.created_by_id == actor.pk,
        )
