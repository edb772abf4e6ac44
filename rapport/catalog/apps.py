from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "rapport.catalog"
    label = "catalog"
    verbose_name = _("Products and prices")

    def ready(self) -> None:
        # Demo products and prices for the demo company (parties cannot import us).
        from rapport.parties import demo

        from . import access  # noqa: F401  (visibility rules)
        from .demo import create_demo_catalog

        demo.register(create_demo_catalog)
