from django.urls import path

from . import api

urlpatterns: list = [
    path("", api.ImportListView.as_view(), name="import-list"),
    path("<uuid:pk>/", api.ImportDetailView.as_view(), name="import-detail"),
    path("<uuid:pk>/undo/", api.ImportUndoView.as_view(), name="import-undo"),
]
