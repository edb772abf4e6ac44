"""EnterpriseData pages of a connection; the project mounts them under the exchange UI."""

from django.urls import path

from . import views

app_name = "onec_ed"

urlpatterns = [
    path("<uuid:pk>/upload/", views.upload, name="upload"),
    path("<uuid:pk>/download/", views.download, name="download"),
]
