from django.urls import path

from .views import calendar, resources, tasks

app_name = "planner"

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/events/", calendar.calendar_events, name="calendar_events"),
    path("calendar/settings/", calendar.feed_settings, name="settings"),
    path("events/new/", calendar.event_create, name="event_create"),
    path("events/conflicts/", calendar.event_conflicts, name="event_conflicts"),
    path("events/<uuid:pk>/", calendar.event_detail, name="event_detail"),
    path("events/<uuid:pk>/edit/", calendar.event_edit, name="event_edit"),
    path("events/<uuid:pk>/move/", calendar.event_move, name="event_move"),
    path("events/<uuid:pk>/trash/", calendar.event_trash, name="event_trash"),
    path("events/<uuid:pk>/respond/", calendar.event_respond, name="event_respond"),
    path("events/<uuid:pk>/event.ics", calendar.event_ics, name="event_ics"),
    path("resources/", resources.resource_list, name="resource_list"),
    path("resources/new/", resources.resource_create, name="resource_create"),
    path("resources/<uuid:pk>/edit/", resources.resource_edit, name="resource_edit"),
    path("ical/<str:key>.ics", calendar.ical_feed, name="ical_feed"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/report/", tasks.discipline_report, name="discipline_report"),
    path("tasks/<uuid:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<uuid:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<uuid:pk>/checklist/", tasks.checklist_add, name="checklist_add"),
    path(
        "tasks/<uuid:pk>/checklist/<uuid:item_pk>/toggle/",
        tasks.checklist_toggle,
        name="checklist_toggle",
    ),
    path("tasks/<uuid:pk>/<slug:action>/", tasks.task_action, name="task_action"),
]
