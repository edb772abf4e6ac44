"""Task pages: the to-do list, the task form and card (checklist with HTMX toggles,
comments, status buttons) and the execution discipline report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import access
from rapport.core.models import Department
from rapport.core.views import apply_errors

from .. import selectors, services
from ..access import is_executor
from ..forms import ReassignForm, ReserveForm, TaskForm
from ..models import ChecklistItem, TaskStatus
from ..selectors.tasks import BOXES

PAGE = 200


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    box = request.GET.get("box", "mine")
    box = box if box in BOXES else "mine"
    status = request.GET.get("status", "")
    status = status if status in TaskStatus.values else ""
    tasks = selectors.task_list(
        actor=request.user,
        box=box,
        status=status,
        search=request.GET.get("q", ""),
        open_only=request.GET.get("open") == "1",
    ).order_by("status", "deadline", "id")[:PAGE]
    return render(
        request,
        "planner/task_list.html",
        {
            "tasks": tasks,
            "box": box,
            "status": status,
            "q": request.GET.get("q", ""),
            "open_only": request.GET.get("open") == "1",
            "statuses": TaskStatus.choices,
            "now": timezone.now(),
            "boxes": [
                ("mine", _("My tasks")),
                ("given", _("Tasks I gave")),
                ("overdue", _("Overdue")),
                ("all", _("All I can see")),
            ],
        },
    )


@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    initial = {"client": request.GET.get("client")} if request.GET.get("client") else {}
    form = TaskForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The task is given."))
            return redirect("planner:task_detail", pk=task.pk)
    return render(
        request,
        "planner/task_form.html",
        {"form": form, "task": None},
        status=422 if form.errors else 200,
    )


@login_required
def task_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    task = selectors.task_get(actor=request.user, pk=pk)
    if not access.can_edit(request.user, task):
        raise PermissionDenied
    tz = ZoneInfo(request.user.time_zone or "UTC")
    initial = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority,
        "client": task.client_id,
        "deadline": task.deadline.astimezone(tz).replace(tzinfo=None) if task.deadline else None,
    }
    form = TaskForm(request.POST or None, actor=request.user, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("planner:task_detail", pk=task.pk)
    return render(
        request,
        "planner/task_form.html",
        {"form": form, "task": task},
        status=422 if form.errors else 200,
    )


def _card_context(request: HttpRequest, task: Any) -> dict[str, Any]:
    user = request.user
    editable = access.can_edit(user, task)
    executing = user.can_write and (is_executor(user, task) or editable)
    return {
        "task": task,
        "can_edit": editable,
        "can_execute": executing,
        "can_write": user.can_write,
        "reassign_form": ReassignForm(actor=user),
        "reserve_form": ReserveForm(actor=user),
        "now": timezone.now(),
        "departments": Department.objects.all(),
    }


@login_required
def task_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    task = selectors.task_get(actor=request.user, pk=pk)
    return render(request, "planner/task_detail.html", _card_context(request, task))


ACTIONS = {"start", "complete", "accept", "return", "reassign", "comment", "trash", "reserve"}


@login_required
@require_POST
def task_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    """The status buttons and small forms of the task card."""
    if action not in ACTIONS:
        raise Http404
    task = selectors.task_get(actor=request.user, pk=pk)
    actor, post = request.user, request.POST
    try:
        if action == "start":
            services.task_start(actor=actor, task=task)
        elif action == "complete":
            services.task_complete(actor=actor, task=task, comment=post.get("comment", ""))
        elif action == "accept":
            services.task_accept(actor=actor, task=task)
        elif action == "return":
            services.task_return(actor=actor, task=task, comment=post.get("comment", ""))
        elif action == "comment":
            services.task_comment_add(actor=actor, task=task, text=post.get("text", ""))
        elif action == "trash":
            services.task_trash(actor=actor, task=task)
            messages.success(request, _("The task is moved to the trash."))
            return redirect("planner:task_list")
        elif action == "reassign":
            form = ReassignForm(post, actor=actor)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.task_reassign(actor=actor, task=task, **form.cleaned_data)
        elif action == "reserve":
            form = ReserveForm(post, actor=actor)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.task_reserve_time(actor=actor, task=task, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do that."))
    return redirect("planner:task_detail", pk=task.pk)


@login_required
@require_POST
def checklist_add(request: HttpRequest, pk: Any) -> HttpResponse:
    task = selectors.task_get(actor=request.user, pk=pk)
    try:
        services.checklist_item_add(
            actor=request.user, task=task, text=request.POST.get("text", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    task = selectors.task_get(actor=request.user, pk=pk)
    if request.htmx:
        return render(request, "planner/_checklist.html", _card_context(request, task))
    return redirect("planner:task_detail", pk=pk)


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: Any, item_pk: Any) -> HttpResponse:
    task = selectors.task_get(actor=request.user, pk=pk)
    try:
        item = task.checklist.get(pk=item_pk)
    except (ChecklistItem.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    services.checklist_item_toggle(actor=request.user, item=item)
    task = selectors.task_get(actor=request.user, pk=pk)
    if request.htmx:
        return render(request, "planner/_checklist.html", _card_context(request, task))
    return redirect("planner:task_detail", pk=pk)


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


@login_required
def discipline_report(request: HttpRequest) -> HttpResponse:
    tz = ZoneInfo(request.user.time_zone or "UTC")
    today = timezone.localdate(timezone=tz)
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = _month_start(today) - dt.timedelta(days=60)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    department = request.GET.get("department") or None
    rows = selectors.discipline_report(
        actor=request.user,
        start=dt.datetime.combine(start, dt.time(), tz),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
        department=department,
    )
    users = [r for r in rows if r.kind == "user"]
    chart = {
        "labels": [r.label for r in users],
        "series": [
            {"label": _("Done on time"), "data": [r.on_time for r in users], "color": "#198754"},
            {"label": _("Done late"), "data": [r.late for r in users], "color": "#fd7e14"},
            {"label": _("Overdue now"), "data": [r.overdue for r in users], "color": "#dc3545"},
        ],
    }
    return render(
        request,
        "planner/discipline_report.html",
        {
            "rows": rows,
            "start": start,
            "end": end,
            "chart": chart,
            "departments": Department.objects.all(),
            "department": department,
        },
    )
