from django.urls import path

from .api import ExportViewSet

urlpatterns = [
    path("", ExportViewSet.as_view({"post": "create"}), name="export-list"),
    path("<uuid:pk>/", ExportViewSet.as_view({"get": "retrieve"}), name="export-detail"),
    path("<uuid:pk>/file/", ExportViewSet.as_view({"get": "file"}), name="export-file"),
]
