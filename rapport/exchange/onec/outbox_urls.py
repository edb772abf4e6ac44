"""Routes of the "Send to 1C" fragments (include under e.g. ``exchange/1c/outbox/``)."""

from django.urls import re_path

from . import outbox_views

app_name = "onec_outbox"

_KIND = r"(?P<kind>invoice|deal)"
_PK = r"(?P<pk>[0-9a-f-]{36})"

urlpatterns = [
    re_path(rf"^{_KIND}/{_PK}/$", outbox_views.outbox_state, name="state"),
    re_path(rf"^{_KIND}/{_PK}/queue/$", outbox_views.outbox_queue, name="queue"),
    re_path(rf"^{_KIND}/{_PK}/unqueue/$", outbox_views.outbox_unqueue, name="unqueue"),
]
