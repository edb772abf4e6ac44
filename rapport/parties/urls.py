from django.urls import path

from . import views

app_name = "parties"

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/batch/", views.client_batch, name="client_batch"),
    path("clients/duplicates/", views.client_duplicates, name="client_duplicates"),
    path("clients/lookup/", views.client_lookup, name="client_lookup"),
    path("clients/filters/save/", views.saved_filter_save, name="saved_filter_save"),
    path(
        "clients/filters/<uuid:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"
    ),
    path("clients/<uuid:pk>/", views.client_detail, name="client_detail"),
    path("clients/<uuid:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<uuid:pk>/trash/", views.client_trash, name="client_trash"),
    path("clients/<uuid:pk>/history/", views.client_history, name="client_history"),
    path("clients/<uuid:pk>/timeline/", views.client_timeline, name="client_timeline"),
    path("clients/<uuid:pk>/share/", views.client_share, name="client_share"),
    path("clients/<uuid:pk>/unshare/<uuid:user_id>/", views.client_unshare, name="client_unshare"),
    path("clients/<uuid:pk>/relations/add/", views.relation_add, name="relation_add"),
    path(
        "clients/<uuid:pk>/relations/<uuid:relation_id>/remove/",
        views.relation_remove,
        name="relation_remove",
    ),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<uuid:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<uuid:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<uuid:pk>/trash/", views.contact_trash, name="contact_trash"),
]
