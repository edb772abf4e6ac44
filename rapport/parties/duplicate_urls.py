"""``/duplicates/``: the review queue of possible duplicates and the merge wizard."""

from django.urls import path

from .views import duplicates as views

app_name = "duplicates"

urlpatterns = [
    path("", views.duplicate_list, name="list"),
    path("scan/", views.duplicate_scan, name="scan"),
    path("<uuid:pk>/dismiss/", views.duplicate_dismiss, name="dismiss"),
    path("merge/", views.merge_wizard, name="merge"),
    path("merges/<uuid:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<uuid:pk>/undo/", views.merge_undo, name="merge_undo"),
]
