from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="interaction_list"),
    path("new/", views.interaction_create, name="interaction_create"),
    path("contact-options/", views.contact_options, name="contact_options"),
    path("report/", views.planned_vs_done, name="planned_vs_done"),
    path("<uuid:pk>/", views.interaction_detail, name="interaction_detail"),
    path("<uuid:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("<uuid:pk>/complete/", views.interaction_complete, name="interaction_complete"),
    path("<uuid:pk>/trash/", views.interaction_trash, name="interaction_trash"),
    path("clients/<uuid:pk>/interests/", views.client_interests, name="client_interests"),
    path(
        "interests/<uuid:pk>/remove/", views.client_interest_remove, name="client_interest_remove"
    ),
    path("settings/", views.interaction_settings, name="settings"),
    path("settings/<str:kind>/new/", views.setting_edit, name="setting_create"),
    path("settings/<str:kind>/<uuid:pk>/", views.setting_edit, name="setting_edit"),
]
