"""The pipelines settings page (administrators and directors): pipelines, their stages
(add, reorder, probability, required fields, colour) and typical actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import can_edit_reference
from ..forms import PipelineForm, StageActionForm, StageForm
from ..models import STAGE_REQUIREMENTS
from ..selectors import pipelines as selectors
from ..services import pipelines as services


def _require_admin(request: HttpRequest) -> None:
    if not can_edit_reference(request.user):
        raise PermissionDenied


def _back(pipeline: Any = None) -> HttpResponse:
    response = redirect("sales:pipeline_settings")
    if pipeline is not None:
        response["Location"] += f"#pipeline-{pipeline.pk}"
    return response


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


@login_required
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(
        request,
        "sales/pipeline_settings.html",
        {
            "pipelines": selectors.pipeline_list(actor=request.user),
            "pipeline_form": PipelineForm(initial={"is_active": True}),
            "stage_form": StageForm(initial={"is_active": True, "color": "secondary"}),
            "action_form": StageActionForm(),
            "requirements": list(STAGE_REQUIREMENTS.items()),
            "colors": StageForm.base_fields["color"].choices,
        },
    )


@login_required
@require_POST
def pipeline_save(request: HttpRequest, pk: Any = None) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(actor=request.user, pk=pk) if pk else None
    form = PipelineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the pipeline a name."))
        return _back(pipeline)
    try:
        pipeline = services.pipeline_save(
            actor=request.user, pipeline=pipeline, **form.cleaned_data
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The pipeline is saved."))
    return _back(pipeline)


@login_required
@require_POST
def pipeline_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(actor=request.user, pk=pk)
    try:
        services.pipeline_delete(actor=request.user, pipeline=pipeline)
    except ValidationError as exc:
        _error(request, exc)
        return _back(pipeline)
    messages.success(request, _("The pipeline is deleted."))
    return _back()


@login_required
@require_POST
def stage_save(request: HttpRequest, pipeline_pk: Any, pk: Any = None) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(actor=request.user, pk=pipeline_pk)
    stage = selectors.stage_get(actor=request.user, pk=pk, pipeline=pipeline) if pk else None
    form = StageForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}: {error}"
                )
        return _back(pipeline)
    try:
        services.stage_save(actor=request.user, pipeline=pipeline, stage=stage, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The stage is saved."))
    return _back(pipeline)


@login_required
@require_POST
def stage_move(request: HttpRequest, pk: Any, direction: str) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_get(actor=request.user, pk=pk)
    services.stage_move(actor=request.user, stage=stage, offset=-1 if direction == "up" else 1)
    return _back(stage.pipeline)


@login_required
@require_POST
def stage_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_get(actor=request.user, pk=pk)
    try:
        services.stage_delete(actor=request.user, stage=stage)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The stage is deleted."))
    return _back(stage.pipeline)


@login_required
@require_POST
def stage_action_add(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_get(actor=request.user, pk=pk)
    form = StageActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the typical action a title and the days until it is due."))
        return _back(stage.pipeline)
    try:
        services.stage_action_save(actor=request.user, stage=stage, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    return _back(stage.pipeline)


@login_required
@require_POST
def stage_action_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    action = selectors.stage_action_get(actor=request.user, pk=pk)
    services.stage_action_delete(actor=request.user, action=action)
    return _back(action.stage.pipeline)
