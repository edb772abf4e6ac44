"""Template tags of the notification bell and the reminder widget."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .. import access
from ..notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """The signed-in user's unread notification count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(actor=user)


@register.simple_tag
def notification_poll_seconds() -> int:
    return max(1, int(getattr(settings, "RAPPORT_NOTIFICATION_POLL_SECONDS", 20)))


@register.simple_tag
def reminder_widget_url(record: Any) -> str:
    """The URL of the reminder widget of any record the access layer knows ("" if none)."""
    if record is None or getattr(record, "pk", None) is None or not access.has_rule(type(record)):
        return ""
    content_type = ContentType.objects.get_for_model(record)
    return reverse("core:reminder_widget", args=[content_type.pk, str(record.pk)])
