from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def _mark_active(items: list[dict], path: str) -> list[dict]:
    for item in items:
        prefix = item.get("prefix", item["url"])
        item["active"] = path == "/" if prefix == "/$" else path.startswith(prefix)
    return items


def navigation(request):
    """The main menu and its dropdowns (sales, data, settings), each item marked active by
    URL prefix."""
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
    if user.may_exchange:
        data_items += [
            {"divider": True},
            {
                "url": reverse("onec:connections"),
                "label": _("1C exchange"),
                "icon": "arrow-left-right",
            },
            {
                "url": reverse("onec:sessions"),
                "label": _("Exchange log"),
                "icon": "journal-arrow-down",
            },
            {
                "url": reverse("onec:conflicts"),
                "label": _("Exchange conflicts"),
                "icon": "exclamation-diamond",
            },
        ]
    dropdowns = [
        _dropdown(_("Sales"), "briefcase", "sales-menu", _sales_items(user), path),
        _dropdown(_("Data"), "database", "data-menu", data_items, path),
    ]
    if user.is_administrator:
        dropdowns.append(_dropdown(_("Settings"), "gear", "settings-menu", _settings_items(), path))
    return {
        "nav_items": items,
        "dropdowns": dropdowns,
        "profile_active": path.startswith("/profile/"),
    }


def _dropdown(label: object, icon: str, testid: str, items: list[dict], path: str) -> dict:
    links = _mark_active([i for i in items if "url" in i], path)
    return {
        "label": label,
        "icon": icon,
        "testid": testid,
        "items": items,
        "active": any(i["active"] for i in links),
    }


_DIVIDER = {"divider": True}


def _sales_items(user) -> list[dict]:
    items = [
        {"url": reverse("sales:board"), "label": _("Deal board"), "icon": "kanban"},
        {"url": reverse("sales:deal_list"), "label": _("Deals"), "icon": "briefcase"},
        {"url": reverse("sales_reports:funnel"), "label": _("Sales funnel"), "icon": "funnel"},
        {"url": reverse("sales_reports:plan_list"), "label": _("Sales plans"), "icon": "bullseye"},
        _DIVIDER,
        {"url": reverse("billing:invoice_list"), "label": _("Invoices"), "icon": "receipt"},
        {"url": reverse("billing:payment_list"), "label": _("Payments"), "icon": "cash-coin"},
        {"url": reverse("billing:receivables"), "label": _("Receivables"), "icon": "hourglass"},
        _DIVIDER,
        {"url": reverse("catalog:product_list"), "label": _("Products"), "icon": "box-seam"},
        {"url": reverse("catalog:price_list_list"), "label": _("Price lists"), "icon": "tags"},
    ]
    if user.sees_everything:
        # Directors keep the catalogue and its prices too (administrators also have Settings).
        items.append(
            {
                "url": reverse("catalog:settings"),
                "label": _("Catalogue settings"),
                "icon": "sliders",
            }
        )
    return items


def _settings_items() -> list[dict]:
    return [
        {"url": reverse("core:users"), "label": _("Users"), "icon": "people"},
        {"url": reverse("core:departments"), "label": _("Departments"), "icon": "diagram-3"},
        {"url": reverse("core:properties"), "label": _("Properties"), "icon": "ui-checks"},
        {
            "url": reverse("interactions:settings"),
            "label": _("Interaction types and interests"),
            "icon": "sliders",
        },
        {
            "url": reverse("sales:pipeline_settings"),
            "label": _("Pipelines"),
            "icon": "signpost-split",
        },
        {"url": reverse("catalog:group_list"), "label": _("Product groups"), "icon": "folder"},
        {
            "url": reverse("documents:templates"),
            "label": _("Document templates"),
            "icon": "file-earmark-word",
        },
        {
            "url": reverse("billing:number_series"),
            "label": _("Invoice numbering"),
            "icon": "123",
        },
        {"url": reverse("core:audit"), "label": _("Audit log"), "icon": "journal-text"},
        _DIVIDER,
        {"url": reverse("admin:index"), "label": _("Reference lists"), "icon": "list-ul"},
    ]
