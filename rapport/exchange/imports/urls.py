from django.urls import path

from . import views

app_name = "imports"

urlpatterns: list = [
    path("", views.start, name="start"),
    path("mapping/", views.mapping, name="mapping"),
    path("preview/", views.preview, name="preview"),
    path("<uuid:pk>/", views.report, name="report"),
]
