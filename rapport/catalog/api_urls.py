"""Mounted under ``/api/v1/``: ``products/`` (with ``{id}/price/``), ``product-groups/``,
``units/``, ``vat-rates/``, ``price-types/``, ``price-lists/``, ``currencies/``,
``exchange-rates/``, ``discount-rules/``."""

from rest_framework.routers import SimpleRouter

from .api.prices import DiscountRuleViewSet, PriceListViewSet, PriceTypeViewSet
from .api.products import ProductGroupViewSet, ProductViewSet
from .api.reference import CurrencyViewSet, ExchangeRateViewSet, UnitViewSet, VatRateViewSet

router = SimpleRouter(use_regex_path=False)
router.register("products", ProductViewSet, basename="product")
router.register("product-groups", ProductGroupViewSet, basename="product-group")
router.register("units", UnitViewSet, basename="unit")
router.register("vat-rates", VatRateViewSet, basename="vat-rate")
router.register("price-types", PriceTypeViewSet, basename="price-type")
router.register("price-lists", PriceListViewSet, basename="price-list")
router.register("currencies", CurrencyViewSet, basename="currency")
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")
router.register("discount-rules", DiscountRuleViewSet, basename="discount-rule")

urlpatterns = router.urls
