"""API routes (included under /api/v1/): ``document-templates/`` and ``documents/``."""

from rest_framework.routers import SimpleRouter

from .api import DocumentTemplateViewSet, DocumentViewSet

router = SimpleRouter(use_regex_path=False)
router.register("document-templates", DocumentTemplateViewSet, basename="document-template")
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = router.urls
