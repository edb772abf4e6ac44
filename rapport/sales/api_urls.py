"""API routes (included under /api/v1/): ``pipelines/``, ``deals/`` (with ``move/``,
``win/``, ``lose/``, ``reopen/``, ``history/``), ``lost-reasons/``, ``competitors/``."""

from rest_framework.routers import SimpleRouter

from .api.deals import DealViewSet
from .api.pipelines import CompetitorViewSet, LostReasonViewSet, PipelineViewSet

router = SimpleRouter(use_regex_path=False)
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("deals", DealViewSet, basename="deal")
router.register("lost-reasons", LostReasonViewSet, basename="lost-reason")
router.register("competitors", CompetitorViewSet, basename="competitor")

urlpatterns = router.urls
