"""Reads of pipelines, stages, typical actions and the sales lists (reference data every
signed-in user reads, through core.access)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from rapport.core import access
from rapport.core.models import User

from ..models import Competitor, LostReason, Pipeline, Stage, StageAction


def pipeline_list(*, actor: User, active_only: bool = False) -> QuerySet[Pipeline]:
    qs = access.visible_to(actor, Pipeline)
    if active_only:
        qs = qs.filter(is_active=True)
    stages = Stage.objects.order_by("position", "name")
    if active_only:
        stages = stages.filter(is_active=True)
    return qs.prefetch_related(
        Prefetch("stages", queryset=stages.prefetch_related("actions"))
    ).order_by("position", "name")


def pipeline_get(*, actor: User, pk: Any) -> Pipeline:
    return access.get_visible_or_404(actor, Pipeline, pk)


def default_pipeline(*, actor: User, pk: Any = None) -> Pipeline | None:
    """The pipeline ``pk`` (404 if unknown), else the default active one."""
    if pk:
        return pipeline_get(actor=actor, pk=pk)
    return (
        access.visible_to(actor, Pipeline)
        .filter(is_active=True)
        .order_by("-is_default", "position", "name")
        .first()
    )


def stage_list(*, actor: User, pipeline: Pipeline, active_only: bool = True) -> list[Stage]:
    qs = access.visible_to(actor, Stage).filter(pipeline=pipeline)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("position", "name"))


def stage_get(*, actor: User, pk: Any, pipeline: Pipeline | None = None) -> Stage:
    stage = access.get_visible_or_404(
        actor, Stage, pk, queryset=Stage.objects.select_related("pipeline")
    )
    if pipeline is not None and stage.pipeline_id != pipeline.pk:
        raise Http404("stage not found")
    return stage


def stage_action_get(*, actor: User, pk: Any) -> StageAction:
    return access.get_visible_or_404(
        actor, StageAction, pk, queryset=StageAction.objects.select_related("stage__pipeline")
    )


def lost_reasons(*, actor: User, active_only: bool = True) -> QuerySet[LostReason]:
    qs = access.visible_to(actor, LostReason)
    return qs.filter(is_active=True) if active_only else qs


def competitors(*, actor: User) -> QuerySet[Competitor]:
    return access.visible_to(actor, Competitor)
