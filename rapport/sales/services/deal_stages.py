"""Stages of deals: the stage's required fields, the stage history (one visit per stay),
the stage's typical actions as tasks, and the moves: to another stage, win, lose, reopen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.models import User
from rapport.parties.models import Client

from ..models import STAGE_REQUIREMENTS, Deal, DealStatus, LostReason, Stage, StageVisit
from .deal_guards import lock_deal, require_edit, require_open, save_deal


def missing_requirements(deal: Deal, stage: Stage) -> list[str]:
    """Codes of ``stage.required_fields`` that ``deal`` (as saved) lacks."""
    missing = []
    for code in stage.required_fields or ():
        if code == "lines":
            ok = deal.lines.exists()
        elif code == "contacts":
            ok = deal.contacts.exists()
        elif code == "amount":
            ok = deal.amount > 0
        elif code == "expected_close":
            ok = deal.expected_close is not None
        elif code == "description":
            ok = bool((deal.description or "").strip())
        else:
            ok = True
        if not ok:
            missing.append(code)
    return missing


def check_requirements(deal: Deal, stage: Stage) -> None:
    missing = missing_requirements(deal, stage)
    if not missing:
        return
    labels = ", ".join(str(STAGE_REQUIREMENTS[code]) for code in missing)
    errors: dict[str, list[str]] = {
        "stage": [
            _("The stage “%(stage)s” requires: %(fields)s.")
            % {"stage": stage.name, "fields": labels}
        ]
    }
    for code in missing:
        errors[code] = [_("Required to enter the stage “%(stage)s”.") % {"stage": stage.name}]
    raise ValidationError(errors)


def close_visits(deal: Deal, at: dt.datetime) -> None:
    StageVisit.objects.filter(deal=deal, left_at__isnull=True).update(left_at=at)


def open_visit(deal: Deal, actor: User, at: dt.datetime) -> StageVisit:
    return StageVisit.objects.create(
        deal=deal, pipeline_id=deal.pipeline_id, stage=deal.stage, entered_at=at, entered_by=actor
    )


def create_stage_tasks(deal: Deal, stage: Stage, actor: User) -> list[Any]:
    """The stage's typical actions as tasks for the deal's manager, linked to the deal."""
    from rapport.planner.services.tasks import task_create

    actions = list(stage.actions.all())
    if not actions:
        return []
    executor = deal.manager if deal.manager is not None and deal.manager.is_active else actor
    client = (
        deal.client if access.visible_to(actor, Client).filter(pk=deal.client_id).exists() else None
    )
    now = timezone.now()
    tasks = []
    for action in actions:
        tasks.append(
            task_create(
                actor=actor,
                title=action.title,
                description=(action.description + "\n\n" if action.description else "")
                + _("Deal: %(deal)s") % {"deal": deal.title},
                executor=executor,
                deadline=now + dt.timedelta(days=action.due_in_days),
                client=client,
                record=deal,
            )
        )
    return tasks


def enter_stage(deal: Deal, stage: Stage, actor: User, at: dt.datetime) -> None:
    old = deal.stage
    if old is not None and deal.probability == old.probability:
        deal.probability = stage.probability  # not edited by hand: follows the stage
    deal.stage = stage
    deal.pipeline_id = stage.pipeline_id
    deal.stage_entered_at = at
    deal.furthest_position = (
        max(deal.furthest_position, stage.position)
        if old is not None and old.pipeline_id == stage.pipeline_id
        else stage.position
    )


def validate_target(deal: Deal, stage: Stage) -> None:
    if not stage.is_active:
        raise ValidationError(
            {"stage": [_("The stage “%(stage)s” is not active.") % {"stage": stage.name}]}
        )


@transaction.atomic
def deal_move(*, actor: User, deal: Deal, stage: Stage, version: int | None = None) -> Deal:
    """Move an open deal to ``stage`` (of its pipeline, or of another to change the
    pipeline). The stage's required fields must be filled; the stay in the old stage is
    closed, a new one opened, and the stage's typical actions become tasks."""
    require_edit(actor, deal)
    deal = lock_deal(deal, version)
    require_open(deal)
    if stage.pk == deal.stage_id:
        return deal
    validate_target(deal, stage)
    check_requirements(deal, stage)
    now = timezone.now()
    close_visits(deal, now)
    enter_stage(deal, stage, actor, now)
    save_deal(deal, actor)
    open_visit(deal, actor, now)
    create_stage_tasks(deal, stage, actor)
    return deal


@transaction.atomic
def deal_win(*, actor: User, deal: Deal, version: int | None = None) -> Deal:
    """Close the deal as won (a final state with its date)."""
    require_edit(actor, deal)
    deal = lock_deal(deal, version)
    require_open(deal)
    now = timezone.now()
    deal.status = DealStatus.WON
    deal.closed_at = now
    deal.probability = 100
    close_visits(deal, now)
    save_deal(deal, actor)
    return deal


@transaction.atomic
def deal_lose(
    *,
    actor: User,
    deal: Deal,
    reason: LostReason | None,
    comment: str = "",
    version: int | None = None,
) -> Deal:
    """Close the deal as lost; the lost reason is required."""
    require_edit(actor, deal)
    deal = lock_deal(deal, version)
    require_open(deal)
    if reason is None:
        raise ValidationError({"reason": [_("Choose why the deal was lost.")]})
    if not reason.is_active:
        raise ValidationError({"reason": [_("This reason is not in use any more.")]})
    now = timezone.now()
    deal.status = DealStatus.LOST
    deal.closed_at = now
    deal.lost_reason = reason
    deal.lost_comment = (comment or "").strip()
    deal.probability = 0
    close_visits(deal, now)
    save_deal(deal, actor)
    return deal


@transaction.atomic
def deal_reopen(*, actor: User, deal: Deal, version: int | None = None) -> Deal:
    """Reopen a won or lost deal in the stage it was closed from."""
    require_edit(actor, deal)
    deal = lock_deal(deal, version)
    if deal.status == DealStatus.OPEN:
        raise ValidationError({"status": [_("The deal is open already.")]})
    now = timezone.now()
    deal.status = DealStatus.OPEN
    deal.closed_at = None
    deal.lost_reason = None
    deal.lost_comment = ""
    deal.probability = deal.stage.probability
    deal.stage_entered_at = now
    save_deal(deal, actor)
    open_visit(deal, actor, now)
    return deal
