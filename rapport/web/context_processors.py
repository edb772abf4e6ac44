from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """Items of the main menu and of the settings menu, marked active by URL prefix."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [
        {"url": "/", "label": _("Home"), "icon": "house", "prefix": "/$"},
        {"url": "/clients/", "label": _("Clients"), "icon": "building", "prefix": "/clients/"},
        {
            "url": "/contacts/",
            "label": _("Contact persons"),
            "icon": "person-lines-fill",
            "prefix": "/contacts/",
        },
        {
            "url": "/imports/",
            "label": _("Import"),
            "icon": "upload",
            "prefix": "/imports/",
            "write": 1,
        },
        {
            "url": "/duplicates/",
            "label": _("Duplicates"),
            "icon": "intersect",
            "prefix": "/duplicates/",
        },
        {
            "url": reverse("core:job_list"),
            "label": _("Jobs"),
            "icon": "hourglass-split",
            "prefix": "/jobs/",
        },
        {"url": reverse("core:trash"), "label": _("Trash"), "icon": "trash", "prefix": "/trash/"},
    ]
    items = [item for item in items if user.can_write or not item.get("write")]
    for item in items:
        item["active"] = path == "/" if item["prefix"] == "/$" else path.startswith(item["prefix"])
    settings_items = []
    if user.is_administrator:
        settings_items = [
            {"url": reverse("core:users"), "label": _("Users"), "icon": "people"},
            {"url": reverse("core:departments"), "label": _("Departments"), "icon": "diagram-3"},
            {"url": reverse("core:properties"), "label": _("Properties"), "icon": "ui-checks"},
            {"url": reverse("core:audit"), "label": _("Audit log"), "icon": "journal-text"},
        ]
        for item in settings_items:
            item["active"] = path.startswith(item["url"])
    return {
        "nav_items": items,
        "settings_items": settings_items,
        "settings_active": any(i["active"] for i in settings_items),
        "profile_active": path.startswith("/profile/"),
    }
