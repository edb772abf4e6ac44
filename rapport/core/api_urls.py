from rest_framework.routers import SimpleRouter

from .job_api import JobViewSet

router = SimpleRouter(use_regex_path=False)
router.register("jobs", JobViewSet, basename="job")

urlpatterns = router.urls
