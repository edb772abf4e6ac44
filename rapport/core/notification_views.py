"""Browser pages of notifications and reminders: the bell (count and menu fragments), the
notifications page, the notification settings and the reminder widget of any record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import notifications, reminders, selectors
from .models import NotificationChannel, ReminderState
from .views import apply_errors

MENU_SIZE = 8
PAGE_SIZE = 50
CHANGED = "rp-notifications-changed"


# --- the bell -------------------------------------------------------------------------


@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The badge of the bell (polled; after the session ended it answers 204, which the
    page ignores, instead of swapping the login page into the badge)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = notifications.unread_count(actor=request.user)
    return render(request, "core/notifications/_count.html", {"unread": count})


def _menu(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    items = list(notifications.notifications_for(actor=request.user)[:MENU_SIZE])
    context = {"items": items, "unread": notifications.unread_count(actor=request.user)}
    return render(request, "core/notifications/_menu.html", context, status=status)


@login_required
@require_GET
def notification_menu(request: HttpRequest) -> HttpResponse:
    """The dropdown of the bell: the latest notifications."""
    return _menu(request)


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: Any) -> HttpResponse:
    """Mark a notification read and go where it points."""
    notification = notifications.notification_get(actor=request.user, pk=pk)
    notifications.notification_mark_read(actor=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("core:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_all_read(actor=request.user)
    if request.htmx:
        response = _menu(request)
        response["HX-Trigger"] = CHANGED
        return response
    return redirect(request.POST.get("next") or "core:notifications")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """All the user's notifications, newest first, in pages (``?before=``)."""
    unread = request.GET.get("unread") == "1"
    before = _parse_before(request.GET.get("before", ""))
    rows = list(
        notifications.notifications_for(actor=request.user, unread=unread, before=before)[
            : PAGE_SIZE + 1
        ]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for row in rows:
        row.kind_label = notifications.kind_label(row.kind)
    context = {
        "items": rows,
        "unread_only": unread,
        "next_before": rows[-1].created_at.isoformat() if more and rows else "",
    }
    return render(request, "core/notifications/list.html", context)


def _parse_before(value: str) -> datetime | None:
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification reach the user in the browser and by e-mail."""
    if request.method == "POST":
        chosen = [tuple(name.split(":", 1)) for name in request.POST.getlist("on") if ":" in name]
        notifications.notification_preferences_save(actor=request.user, enabled=chosen)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("core:notification_settings")
    current = notifications.preferences(request.user)
    rows = [
        {
            "kind": entry.kind,
            "label": entry.label,
            "channels": [
                {
                    "name": f"{entry.kind}:{channel}",
                    "label": label,
                    "on": current.get((entry.kind, channel), False),
                }
                for channel, label in NotificationChannel.choices
            ],
        }
        for entry in notifications.kinds()
    ]
    context = {"rows": rows, "channels": NotificationChannel.choices}
    return render(request, "core/notifications/settings.html", context)


# --- reminders ------------------------------------------------------------------------

REPEAT_CHOICES = [
    ("", gettext_lazy("Do not repeat")),
    ("15", gettext_lazy("Every 15 minutes")),
    ("60", gettext_lazy("Every hour")),
    ("1440", gettext_lazy("Every day")),
    ("10080", gettext_lazy("Every week")),
]
LATER_CHOICES = [
    (10, gettext_lazy("in 10 minutes")),
    (60, gettext_lazy("in an hour")),
    (240, gettext_lazy("in 4 hours")),
    (1440, gettext_lazy("tomorrow")),
]


class ReminderForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[
            ("at", gettext_lazy("At a time")),
            ("before", gettext_lazy("Before the due time")),
        ],
        initial="at",
        required=False,
    )
    remind_at = forms.DateTimeField(
        label=gettext_lazy("Remind at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    offset_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes before"), required=False, min_value=0
    )
    repeat_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Repeat"),
        choices=REPEAT_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )
    valid_until = forms.DateTimeField(
        label=gettext_lazy("Valid until"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


def _widget(
    request: HttpRequest, record: Any, *, form: ReminderForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "record": record,
        "reminder_items": list(reminders.reminders_for(actor=request.user, record=record)),
        "form": form or ReminderForm(),
        "has_due_time": reminders.has_due_time(record),
        "later_choices": LATER_CHOICES,
        "pending_states": (ReminderState.ACTIVE, ReminderState.SNOOZED),
    }
    template = "core/reminders/widget.html"
    if request.htmx:
        template += "#widget"
    response = render(request, template, context, status=status)
    if request.method == "POST":
        response["HX-Trigger"] = CHANGED
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reminder_widget(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The reminders of the user on one record (HTMX fragment or a plain page); POST adds."""
    record = selectors.record_for_attachments(
        actor=request.user, content_type_id=content_type_id, object_id=object_id
    )
    if request.method == "GET":
        return _widget(request, record)
    form = ReminderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        before = data["mode"] == "before"
        try:
            reminders.reminder_create(
                actor=request.user,
                record=record,
                remind_at=None if before else data["remind_at"],
                offset_minutes=data["offset_minutes"] if before else None,
                repeat_minutes=data["repeat_minutes"],
                valid_until=data["valid_until"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not request.htmx:
                return redirect(request.path)
            return _widget(request, record)
    return _widget(request, record, form=form, status=422)


@login_required
@require_POST
def reminder_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    """Snooze, dismiss, remind again or delete one of the user's reminders."""
    if action not in {"snooze", "again", "dismiss", "delete"}:
        raise Http404
    reminder = reminders.reminder_get(actor=request.user, pk=pk)
    error = ""
    try:
        minutes = int(request.POST.get("minutes") or 0)
        if action == "snooze":
            reminders.reminder_snooze(actor=request.user, reminder=reminder, minutes=minutes)
        elif action == "again":
            reminders.reminder_again(actor=request.user, reminder=reminder, minutes=minutes)
        elif action == "dismiss":
            reminders.reminder_dismiss(actor=request.user, reminder=reminder)
        elif action == "delete":
            reminders.reminder_delete(actor=request.user, reminder=reminder)
    except (ValueError, ValidationError) as exc:
        error = "; ".join(getattr(exc, "messages", [str(exc)]))
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("core:reminder_widget", reminder.content_type_id, reminder.object_id)
    record = selectors.record_for_attachments(
        actor=request.user,
        content_type_id=reminder.content_type_id,
        object_id=reminder.object_id,
    )
    return _widget(request, record, status=422 if error else 200)
