from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Counter names handlers use in Job.counts, as users read them.
COUNT_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "rejected": _("rejected"),
    "errors": _("problems"),
    "rows": _("rows"),
    "exported": _("exported"),
    "changed": _("changed"),
    "skipped": _("skipped"),
    "trashed": _("moved to trash"),
    "restored": _("restored"),
    "pairs": _("candidate pairs"),
    "scanned": _("scanned"),
}


@register.filter
def job_count_label(key: str) -> str:
    return str(COUNT_LABELS.get(key, key.replace("_", " ")))


@register.filter
def percent(value: float) -> int:
    return round((value or 0) * 100)


@register.filter
def job_kind_label(kind: str) -> str:
    from rapport.core.jobs import kind_label

    return kind_label(kind)
