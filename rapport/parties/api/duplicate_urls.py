"""Mounted under ``/api/v1/``: ``duplicates/`` (queue, dismiss, scan) and ``merges/``."""

from rest_framework.routers import SimpleRouter

from .duplicates import DuplicateViewSet, MergeViewSet

router = SimpleRouter(use_regex_path=False)
router.register("duplicates", DuplicateViewSet, basename="duplicate")
router.register("merges", MergeViewSet, basename="merge")

urlpatterns = router.urls
