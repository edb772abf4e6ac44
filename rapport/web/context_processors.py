from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def _mark_active(items: list[dict], path: str) -> list[dict]:
    for item in items:
        prefix = item.get("prefix", item["url"])
        item["active"] = path == "/" if prefix == "/$" else path.startswith(prefix)
    return items


def navigation(request):
    """The main menu, the "Data" menu (import, duplicates, jobs, trash) and the settings
    menu, each item marked active by URL prefix."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = _mark_active(
        [
            {"url": "/", "label": _("Home"), "icon": "house", "prefix": "/$"},
            {"url": "/clients/", "label": _("Clients"), "icon": "building", "prefix": "/clients/"},
            {
                "url": "/contacts/",
                "label": _("Contact persons"),
                "icon": "person-lines-fill",
                "prefix": "/contacts/",
            },
            {
                "url": reverse("interactions:interaction_list"),
                "label": _("Interactions"),
                "icon": "chat-dots",
                "prefix": "/interactions/",
            },
            {
                "url": reverse("planner:calendar"),
                "label": _("Calendar"),
                "icon": "calendar3",
                "prefix": "/planner/calendar/",
            },
            {
                "url": reverse("planner:task_list"),
                "label": _("Tasks"),
                "icon": "check2-square",
                "prefix": "/planner/tasks/",
            },
        ],
        path,
    )
    data_items = [
        {"url": reverse("core:job_list"), "label": _("Background jobs"), "icon": "hourglass-split"},
        {"url": "/duplicates/", "label": _("Duplicates"), "icon": "intersect"},
        {"url": reverse("core:trash"), "label": _("Trash"), "icon": "trash"},
    ]
    if user.can_write:
        data_items.insert(0, {"url": "/imports/", "label": _("Import"), "icon": "upload"})
    _mark_active(data_items, path)
    settings_items = []
    if user.is_administrator:
        settings_items = _mark_active(
            [
                {"url": reverse("core:users"), "label": _("Users"), "icon": "people"},
                {
                    "url": reverse("core:departments"),
                    "label": _("Departments"),
                    "icon": "diagram-3",
                },
                {"url": reverse("core:properties"), "label": _("Properties"), "icon": "ui-checks"},
                {
                    "url": reverse("interactions:settings"),
                    "label": _("Interaction types and interests"),
                    "icon": "sliders",
                },
                {"url": reverse("core:audit"), "label": _("Audit log"), "icon": "journal-text"},
            ],
            path,
        )
    return {
        "nav_items": items,
        "data_items": data_items,
        "data_active": any(i["active"] for i in data_items),
        "settings_items": settings_items,
        "settings_active": any(i["active"] for i in settings_items),
        "profile_active": path.startswith("/profile/"),
    }
