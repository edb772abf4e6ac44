"""Mounted under ``/api/v1/``: ``events/``, ``resources/``, ``tasks/``."""

from rest_framework.routers import SimpleRouter

from .api.views import EventViewSet, ResourceViewSet, TaskViewSet

router = SimpleRouter(use_regex_path=False)
router.register("events", EventViewSet, basename="event")
router.register("resources", ResourceViewSet, basename="resource")
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
