"""Calendar pages: the calendar (FullCalendar fed by a JSON endpoint), the event form,
the event card, moving by drag and drop, conflicts as you plan, feeds and schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core import access
from rapport.core.models import Department, User
from rapport.core.views import apply_errors

from .. import ical, selectors, services
from ..access import event_details
from ..forms import EventForm, ScheduleForm
from ..models import ResponseState
from ._common import parse_moment

PALETTE = [
    "#0d6efd",
    "#198754",
    "#d63384",
    "#fd7e14",
    "#6f42c1",
    "#20c997",
    "#dc3545",
    "#0dcaf0",
    "#6c757d",
    "#ffc107",
]


def _user_tz(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone or "UTC")


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    ids = request.GET.getlist("users")
    department = request.GET.get("department") or None
    users = selectors.users_for_overlay(actor=request.user, user_ids=ids, department=department)
    config = {
        "feedUrl": reverse("planner:calendar_events"),
        "newUrl": reverse("planner:event_create"),
        "moveUrl": reverse(
            "planner:event_move", kwargs={"pk": "00000000-0000-0000-0000-000000000000"}
        ),
        "users": [str(u.pk) for u in users],
        "department": str(department or ""),
        "timeZone": request.user.time_zone or "UTC",
        "locale": request.LANGUAGE_CODE,
        "view": request.GET.get("view", "timeGridWeek"),
        "date": request.GET.get("date", ""),
        "canWrite": request.user.can_write,
        "texts": {"moveFailed": _("The event could not be moved."), "busy": _("Busy")},
    }
    legend = [{"user": u, "color": PALETTE[i % len(PALETTE)]} for i, u in enumerate(users)]
    return render(
        request,
        "planner/calendar.html",
        {
            "config": config,
            "legend": legend,
            "all_users": User.objects.filter(is_active=True).order_by("last_name", "username"),
            "departments": Department.objects.all(),
            "selected_ids": {str(u.pk) for u in users},
            "department": department,
        },
    )


def _business_hours(user: User) -> list[dict[str, Any]]:
    schedule = selectors.schedule_for(user)
    days = [(d + 1) % 7 for d in schedule.weekdays]  # FullCalendar: 0 = Sunday
    return [
        {
            "daysOfWeek": days,
            "startTime": schedule.start_time.strftime("%H:%M"),
            "endTime": schedule.end_time.strftime("%H:%M"),
        }
    ]


@login_required
@require_GET
def calendar_events(request: HttpRequest) -> JsonResponse:
    """The JSON feed of FullCalendar: occurrences of the chosen users' events in the
    window, coloured per user; private and out-of-scope events as "Busy"."""
    start, end = parse_moment(request.GET.get("start")), parse_moment(request.GET.get("end"))
    if start is None or end is None:
        return JsonResponse({"errors": {"start": [_("Give the window.")]}}, status=400)
    users = selectors.users_for_overlay(
        actor=request.user,
        user_ids=request.GET.getlist("users"),
        department=request.GET.get("department") or None,
    )
    colours = {u.pk: PALETTE[i % len(PALETTE)] for i, u in enumerate(users)}
    try:
        rows = selectors.calendar_entries(actor=request.user, users=users, start=start, end=end)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    events = []
    for row in rows:
        event, occ, details = row["event"], row["occurrence"], row["details"]
        item: dict[str, Any] = {
            "id": f"{event.pk}:{occ.recurrence_id.isoformat()}",
            "title": (occ.title or event.title) if details else _("Busy"),
            "start": occ.start.isoformat(),
            "end": occ.end.isoformat(),
            "allDay": event.all_day,
            "color": colours.get(row["user"].pk) if row["user"] else None,
            "editable": bool(row["editable"]),
            "extendedProps": {
                "event": str(event.pk),
                "occurrence": occ.recurrence_id.isoformat() if event.rrule else "",
                "busy": not details,
                "user": str(row["user"]) if row["user"] else "",
                "client": event.client.name if details and event.client else "",
            },
        }
        if details:
            item["url"] = reverse("planner:event_detail", kwargs={"pk": event.pk})
        else:
            item["classNames"] = ["rp-busy"]
        events.append(item)
    return JsonResponse(
        {
            "events": events,
            "businessHours": _business_hours(users[0] if len(users) == 1 else request.user),
        }
    )


def _initial(request: HttpRequest) -> dict[str, Any]:
    tz = _user_tz(request.user)
    start = parse_moment(request.GET.get("start"))
    end = parse_moment(request.GET.get("end"))
    if start is None:
        now = dt.datetime.now(tz).replace(minute=0, second=0, microsecond=0)
        start = now + dt.timedelta(hours=1)
    if end is None or end <= start:
        end = start + dt.timedelta(hours=1)
    initial = {
        "start": start.astimezone(tz).replace(tzinfo=None),
        "end": end.astimezone(tz).replace(tzinfo=None),
        "all_day": request.GET.get("all_day") == "1",
        "time_zone": request.user.time_zone or "UTC",
    }
    if request.GET.get("client"):
        initial["client"] = request.GET["client"]
    return initial


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    form = EventForm(request.POST or None, actor=request.user, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The event is planned."))
            return redirect("planner:event_detail", pk=event.pk)
    return render(
        request,
        "planner/event_form.html",
        {"form": form, "event": None},
        status=422 if form.errors else 200,
    )


@login_required
def event_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    event = selectors.event_get(actor=request.user, pk=pk)
    if not access.can_edit(request.user, event):
        raise PermissionDenied
    tz = ZoneInfo(event.time_zone)
    initial = {
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "start": event.start.astimezone(tz).replace(tzinfo=None),
        "end": event.end.astimezone(tz).replace(tzinfo=None),
        "all_day": event.all_day,
        "time_zone": event.time_zone,
        "rrule": event.rrule,
        "participants": [p.user_id for p in event.attendance.all()],
        "resource": event.resource_id,
        "client": event.client_id,
        "is_private": event.is_private,
    }
    form = EventForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("planner:event_detail", pk=event.pk)
    return render(
        request,
        "planner/event_form.html",
        {"form": form, "event": event},
        status=422 if form.errors else 200,
    )


@login_required
def event_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    event = selectors.event_get(actor=request.user, pk=pk)
    details = event_details(request.user, event)
    mine = next((p for p in event.attendance.all() if p.user_id == request.user.pk), None)
    return render(
        request,
        "planner/event_detail.html",
        {
            "event": event,
            "details": details,
            "my_attendance": mine,
            "responses": ResponseState.choices,
            "can_edit": access.can_edit(request.user, event),
            "tz": ZoneInfo(request.user.time_zone or "UTC"),
        },
    )


@login_required
@require_POST
def event_move(request: HttpRequest, pk: Any) -> JsonResponse:
    """Drag and drop: move or resize; a refusal (conflict, rights) answers the message and
    the calendar puts the event back."""
    event = selectors.event_get(actor=request.user, pk=pk)
    start, end = parse_moment(request.POST.get("start")), parse_moment(request.POST.get("end"))
    if start is None or end is None:
        return JsonResponse({"ok": False, "message": _("Give the new start and end.")}, status=400)
    occurrence = parse_moment(request.POST.get("occurrence"))
    try:
        services.event_move(
            actor=request.user, event=event, start=start, end=end, occurrence=occurrence
        )
    except ValidationError as exc:
        text = " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
        return JsonResponse({"ok": False, "message": text, "errors": exc.message_dict}, status=409)
    except PermissionDenied as exc:
        return JsonResponse(
            {"ok": False, "message": str(exc) or _("You may not do that.")}, status=403
        )
    return JsonResponse({"ok": True, "message": _("The event is moved.")})


@login_required
@require_POST
def event_trash(request: HttpRequest, pk: Any) -> HttpResponse:
    event = selectors.event_get(actor=request.user, pk=pk)
    occurrence = parse_moment(request.POST.get("occurrence"))
    if occurrence is not None and event.rrule:
        services.event_cancel_occurrence(actor=request.user, event=event, occurrence=occurrence)
        messages.success(request, _("The occurrence is cancelled."))
        return redirect("planner:event_detail", pk=event.pk)
    services.event_trash(actor=request.user, event=event)
    messages.success(request, _("The event is moved to the trash."))
    return redirect("planner:calendar")


@login_required
@require_POST
def event_respond(request: HttpRequest, pk: Any) -> HttpResponse:
    event = selectors.event_get(actor=request.user, pk=pk)
    try:
        services.event_respond(
            actor=request.user, event=event, response=request.POST.get("response", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("planner:event_detail", pk=event.pk)


@login_required
@require_GET
def event_conflicts(request: HttpRequest) -> HttpResponse:
    """HTMX fragment of the event form: who of the chosen participants (and which
    resource) is busy at the planned time."""
    form = EventForm(request.GET, actor=request.user)
    form.is_valid()
    data = form.cleaned_data
    conflicts: list[Any] = []
    if data.get("start") and data.get("end") and data["end"] > data["start"]:
        try:
            conflicts = selectors.find_conflicts(
                actor=request.user,
                start=data["start"],
                end=data["end"],
                time_zone=data.get("time_zone") or "UTC",
                rrule=data.get("rrule", ""),
                users=[request.user, *data.get("participants", [])],
                resource=data.get("resource"),
                exclude_event=request.GET.get("event") or None,
            )
        except ValidationError:
            conflicts = []
    return render(
        request,
        "planner/_conflicts.html",
        {
            "messages_by_field": services.conflict_messages(conflicts, request.user),
            "checked": bool(data.get("start")),
        },
    )


@login_required
def event_ics(request: HttpRequest, pk: Any) -> HttpResponse:
    event = selectors.event_get(actor=request.user, pk=pk)
    response = HttpResponse(
        ical.calendar([event], viewer=request.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def ical_feed(request: HttpRequest, key: str) -> HttpResponse:
    """The secret iCalendar feed of a user (no login: the key is the secret)."""
    user = services.feed_token_user(key=key)
    if user is None:
        raise Http404
    body = ical.calendar(selectors.feed_events(user=user), viewer=user, name=f"Rapport · {user}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    """The calendar's settings page: feed URL (issue, regenerate, revoke) and the
    working schedule."""
    user: User = request.user
    schedule = selectors.schedule_for(user)
    form = ScheduleForm(
        request.POST if request.POST.get("form") == "schedule" else None,
        initial={
            "weekdays": schedule.weekdays,
            "start_time": schedule.start_time,
            "end_time": schedule.end_time,
        },
    )
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("form")
        if action == "schedule" and form.is_valid():
            try:
                services.working_schedule_set(actor=user, user=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The working schedule is saved."))
                return redirect("planner:settings")
        elif action == "feed_issue":
            key = services.feed_token_issue(actor=user)
            new_url = request.build_absolute_uri(reverse("planner:ical_feed", kwargs={"key": key}))
        elif action == "feed_revoke":
            services.feed_token_revoke(actor=user)
            messages.success(request, _("The feed address is revoked: it no longer works."))
            return redirect("planner:settings")
    feed = getattr(user, "calendar_feed", None) if hasattr(user, "calendar_feed") else None
    return render(
        request,
        "planner/settings.html",
        {
            "form": form,
            "feed": feed,
            "new_url": new_url,
        },
    )
