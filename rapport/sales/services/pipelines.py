"""Writes of pipelines (sales technologies), their stages with order, default
probabilities, required fields and typical actions, and the sales lists (lost reasons,
competitors). Administrators and directors only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from rapport.core.models import User

from ..access import can_edit_reference
from ..models import (
    STAGE_REQUIREMENTS,
    Competitor,
    Deal,
    LostReason,
    Pipeline,
    Stage,
    StageAction,
    StageVisit,
)

COLORS = ("secondary", "primary", "info", "warning", "success", "danger", "dark")


def _require_admin(actor: User) -> None:
    if not can_edit_reference(actor):
        raise PermissionDenied(_("Only an administrator or a director may change pipelines."))


def _name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [_("Give it a name.")]})
    return value


@transaction.atomic
def pipeline_save(
    *,
    actor: User,
    pipeline: Pipeline | None = None,
    name: str,
    description: str = "",
    is_default: bool = False,
    is_active: bool = True,
) -> Pipeline:
    """Create (``pipeline`` None) or change a pipeline; one pipeline is the default."""
    _require_admin(actor)
    name = _name(name)
    clash = Pipeline.objects.filter(name__iexact=name)
    if pipeline is not None:
        clash = clash.exclude(pk=pipeline.pk)
    if clash.exists():
        raise ValidationError({"name": [_("A pipeline with this name exists.")]})
    if pipeline is None:
        top = Pipeline.objects.aggregate(m=Max("position"))["m"]
        pipeline = Pipeline(position=0 if top is None else top + 1)
    pipeline.name = name
    pipeline.description = description or ""
    pipeline.is_default = is_default
    pipeline.is_active = is_active
    pipeline.save()
    if is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: User, pipeline: Pipeline) -> None:
    """Delete a pipeline that never had deals (otherwise deactivate it)."""
    _require_admin(actor)
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise ValidationError(
            {"pipeline": [_("The pipeline has deals: deactivate it instead of deleting.")]}
        )
    pipeline.delete()


def _clean_requirements(codes: Iterable[str]) -> list[str]:
    result = []
    for code in codes or ():
        if code not in STAGE_REQUIREMENTS:
            raise ValidationError(
                {"required_fields": [_("Unknown requirement “%(code)s”.") % {"code": code}]}
            )
        if code not in result:
            result.append(code)
    return result


@transaction.atomic
def stage_save(
    *,
    actor: User,
    pipeline: Pipeline,
    stage: Stage | None = None,
    name: str,
    probability: int = 0,
    required_fields: Sequence[str] = (),
    color: str = "secondary",
    is_active: bool = True,
) -> Stage:
    """Create a stage (appended after the last) or change one."""
    _require_admin(actor)
    name = _name(name)
    errors: dict[str, list[str]] = {}
    try:
        probability = int(probability)
    except (TypeError, ValueError):
        probability = -1
    if not 0 <= probability <= 100:
        errors["probability"] = [_("Give the probability in percent, 0 to 100.")]
    if color not in COLORS:
        errors["color"] = [_("Unknown colour.")]
    clash = Stage.objects.filter(pipeline=pipeline, name__iexact=name)
    if stage is not None:
        clash = clash.exclude(pk=stage.pk)
    if clash.exists():
        errors["name"] = [_("This pipeline already has a stage with this name.")]
    if errors:
        raise ValidationError(errors)
    if stage is None:
        top = Stage.objects.filter(pipeline=pipeline).aggregate(m=Max("position"))["m"]
        stage = Stage(pipeline=pipeline, position=0 if top is None else top + 1)
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("The stage is not of this pipeline.")]})
    stage.name = name
    stage.probability = probability
    stage.required_fields = _clean_requirements(required_fields)
    stage.color = color
    stage.is_active = is_active
    stage.save()
    return stage


@transaction.atomic
def stage_reorder(*, actor: User, pipeline: Pipeline, order: Sequence[Any]) -> list[Stage]:
    """Put the pipeline's stages in ``order`` (stage ids; every stage exactly once)."""
    _require_admin(actor)
    stages = {str(s.pk): s for s in Stage.objects.filter(pipeline=pipeline)}
    wanted = [str(pk) for pk in order]
    if sorted(wanted) != sorted(stages):
        raise ValidationError({"order": [_("Give every stage of the pipeline once.")]})
    result = []
    for position, pk in enumerate(wanted):
        stage = stages[pk]
        if stage.position != position:
            stage.position = position
            stage.save(update_fields=["position"])
        result.append(stage)
    return result


def stage_move(*, actor: User, stage: Stage, offset: int) -> list[Stage]:
    """Move a stage up (-1) or down (+1) among its pipeline's stages."""
    ids = list(
        Stage.objects.filter(pipeline=stage.pipeline_id)
        .order_by("position", "name")
        .values_list("pk", flat=True)
    )
    index = ids.index(stage.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return stage_reorder(actor=actor, pipeline=stage.pipeline, order=ids)


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage no deal is or was in (otherwise deactivate it)."""
    _require_admin(actor)
    if Deal.objects.filter(stage=stage).exists() or StageVisit.objects.filter(stage=stage).exists():
        raise ValidationError(
            {"stage": [_("Deals have been in this stage: deactivate it instead of deleting.")]}
        )
    pipeline = stage.pipeline
    stage.delete()
    remaining = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    for position, item in enumerate(remaining):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def stage_action_save(
    *,
    actor: User,
    stage: Stage,
    action: StageAction | None = None,
    title: str,
    description: str = "",
    due_in_days: int = 1,
) -> StageAction:
    """A typical action of a stage: a task for the deal's manager when a deal enters it."""
    _require_admin(actor)
    title = _name(title, "title")
    try:
        due_in_days = int(due_in_days)
    except (TypeError, ValueError):
        due_in_days = -1
    if not 0 <= due_in_days <= 365:
        raise ValidationError({"due_in_days": [_("Give the days until the deadline, 0 to 365.")]})
    if action is None:
        top = StageAction.objects.filter(stage=stage).aggregate(m=Max("position"))["m"]
        action = StageAction(stage=stage, position=0 if top is None else top + 1)
    action.title = title
    action.description = description or ""
    action.due_in_days = due_in_days
    action.save()
    return action


def stage_action_delete(*, actor: User, action: StageAction) -> None:
    _require_admin(actor)
    action.delete()


def lost_reason_save(
    *, actor: User, reason: LostReason | None = None, name: str, is_active: bool = True
) -> LostReason:
    _require_admin(actor)
    name = _name(name)
    clash = LostReason.objects.filter(name__iexact=name)
    if reason is not None:
        clash = clash.exclude(pk=reason.pk)
    if clash.exists():
        raise ValidationError({"name": [_("This reason exists.")]})
    reason = reason or LostReason()
    reason.name, reason.is_active = name, is_active
    reason.save()
    return reason


def competitor_save(*, actor: User, competitor: Competitor | None = None, name: str) -> Competitor:
    _require_admin(actor)
    name = _name(name)
    clash = Competitor.objects.filter(name__iexact=name)
    if competitor is not None:
        clash = clash.exclude(pk=competitor.pk)
    if clash.exists():
        raise ValidationError({"name": [_("This competitor exists.")]})
    competitor = competitor or Competitor()
    competitor.name = name
    competitor.save()
    return competitor
