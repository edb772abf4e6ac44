from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "rapport.parties"
    label = "parties"
    verbose_name = _("Client base")

    def ready(self) -> None:
        # Visibility rules; the batch change job; the duplicate scan job.
        from . import access, batch, tasks  # noqa: F401
