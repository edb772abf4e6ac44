from django.utils.translation import gettext_lazy as _


def navigation(request):
    """Items of the main menu, marked active by URL prefix."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        {"url": "/", "label": _("Home"), "icon": "house", "prefix": "/$"},
        {"url": "/clients/", "label": _("Clients"), "icon": "building", "prefix": "/clients/"},
        {"url": "/contacts/", "label": _("Contact persons"), "icon": "person-lines-fill",
         "prefix": "/contacts/"},
        {"url": "/trash/", "label": _("Trash"), "icon": "trash", "prefix": "/trash/"},
    ]
    path = request.path
    for item in items:
        item["active"] = path == "/" if item["prefix"] == "/$" else path.startswith(item["prefix"])
    return {"nav_items": items}
