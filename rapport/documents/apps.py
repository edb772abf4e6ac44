from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "rapport.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # The default templates (offer, contract) for the demo company.
        from rapport.parties import demo

        from . import access, tasks  # noqa: F401  (visibility rules, Celery tasks)
        from .demo import create_demo_templates

        demo.register(create_demo_templates)
