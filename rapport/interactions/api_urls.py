"""``/api/v1/interactions/`` and ``/api/v1/interaction-types/``."""

from rest_framework.routers import SimpleRouter

from .api import InteractionTypeViewSet, InteractionViewSet

router = SimpleRouter(use_regex_path=False)
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("interaction-types", InteractionTypeViewSet, basename="interaction-type")

urlpatterns = router.urls
