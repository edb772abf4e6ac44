"""``/api/v1/sales-plans/`` (to be included under ``/api/v1/`` in rapport/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from .api.plans import SalesPlanViewSet

router = SimpleRouter(use_regex_path=False)
router.register("sales-plans", SalesPlanViewSet, basename="sales-plan")

urlpatterns = router.urls
