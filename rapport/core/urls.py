from django.urls import path

from . import job_views, views

app_name = "core"


urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/users/", views.users, name="users"),
    path("settings/users/new/", views.user_create, name="user_create"),
    path("settings/users/<uuid:pk>/", views.user_edit, name="user_edit"),
    path("settings/departments/", views.departments, name="departments"),
    path("settings/properties/", views.properties, name="properties"),
    path("settings/properties/new/", views.property_create, name="property_create"),
    path("settings/properties/<uuid:pk>/", views.property_edit, name="property_edit"),
    path("settings/properties/<uuid:pk>/toggle/", views.property_toggle, name="property_toggle"),
    path("settings/audit/", views.audit, name="audit"),
    path("trash/", views.trash, name="trash"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/file/", job_views.job_download, name="job_download"),
    path("jobs/<uuid:pk>/errors.xlsx", job_views.job_errors_xlsx, name="job_errors_xlsx"),
    path("jobs/<uuid:pk>/undo/", job_views.job_undo, name="job_undo"),
    path(
        "trash/<int:content_type_id>/<str:object_id>/restore/",
        views.trash_restore,
        name="trash_restore",
    ),
    path(
        "trash/<int:content_type_id>/<str:object_id>/purge/", views.trash_purge, name="trash_purge"
    ),
    # Files of any record (an HTMX fragment the record pages embed).
    path("files/<int:content_type_id>/<str:object_id>/", views.attachments, name="attachments"),
    path(
        "files/<uuid:attachment_id>/versions/",
        views.attachment_version_add,
        name="attachment_version_add",
    ),
    path("files/<uuid:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
    path(
        "files/<uuid:attachment_id>/versions/<uuid:version_id>/download/",
        views.attachment_download,
        name="attachment_download",
    ),
]

# Notifications (the bell) and reminders on any record.
from . import notification_views  # noqa: E402

urlpatterns += [
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/count/", notification_views.notification_count, name="notification_count"),
    path("notifications/menu/", notification_views.notification_menu, name="notification_menu"),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/settings/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/<uuid:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path(
        "reminders/<int:content_type_id>/<str:object_id>/",
        notification_views.reminder_widget,
        name="reminder_widget",
    ),
    path(
        "reminders/<uuid:pk>/<str:action>/",
        notification_views.reminder_action,
        name="reminder_action",
    ),
]
