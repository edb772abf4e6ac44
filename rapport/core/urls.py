from django.urls import path

from . import views

app_name = "core"


urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("settings/users/", views.users, name="users"),
    path("settings/properties/", views.properties, name="properties"),
    path("settings/audit/", views.audit, name="audit"),
    path("trash/", views.trash, name="trash"),
]
