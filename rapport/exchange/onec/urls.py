"""Pages of the 1C exchange, mounted at /exchange/ (namespace "onec")."""

from django.urls import include, path

from . import views

app_name = "onec"

urlpatterns: list = [
    path("", views.connection_list, name="connections"),
    path("connections/new/", views.connection_create, name="connection_create"),
    path("connections/<uuid:pk>/", views.connection_edit, name="connection_edit"),
    path("connections/<uuid:pk>/delete/", views.connection_delete, name="connection_delete"),
    path("connections/<uuid:pk>/run/", views.connection_run, name="connection_run"),
    path("connections/<uuid:pk>/ownership/", views.ownership, name="ownership"),
    path("log/", views.session_list, name="sessions"),
    path("log/<uuid:pk>/", views.session_detail, name="session"),
    path("files/<uuid:pk>/", views.file_download, name="file_download"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<uuid:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
]

# The channels' own pages ("Send to 1C" on the cards is mounted by the project as
# its own namespace, onec_outbox).
urlpatterns += [
    path("odata/", include("rapport.exchange.onec.odata.urls")),
    path("ed/", include("rapport.exchange.onec.enterprisedata.urls")),
]
