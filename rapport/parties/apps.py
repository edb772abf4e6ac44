from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "rapport.parties"
    label = "parties"
    verbose_name = _("Client base")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers visibility rules)
