"""Visibility and edit rules of sales, registered with rapport.core.access.

Deals: a user sees a deal if they see its client (parties.access.client_scope) or they
are its manager; heads also see the deals of their department's tree; directors and
administrators see all; read-only users see what their grant covers (all, or their
department's deals and the deals of the clients they see).
Edits: the deal's manager, the client's manager, the head of the deal's department,
directors and administrators; never read-only users.
Pipelines, stages, typical actions, lost reasons and competitors are reference data every
signed-in user reads; administrators and directors change them.
Lines and stage history follow their deal.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from rapport.core import access
from rapport.core.models import ReadScope, Role, User
from rapport.parties.access import client_scope
from rapport.parties.models import Client

from .models import (
    Competitor,
    Deal,
    DealLine,
    LostReason,
    Pipeline,
    SalesPlan,
    SalesPlanLine,
    Stage,
    StageAction,
    StageVisit,
)


def deal_scope(actor: User) -> Q | None:
    """Deals ``actor`` may see, as a Q; ``None`` means all of them."""
    if actor.sees_everything:
        return None
    if actor.role == Role.READ_ONLY and actor.read_scope == ReadScope.ALL:
        return None
    clients = client_scope(actor)
    scope = Q(client__in=Client.objects.filter(clients).values("pk")) if clients else Q()
    if actor.role != Role.READ_ONLY:
        scope |= Q(manager=actor.pk)
    if actor.role in (Role.HEAD, Role.READ_ONLY):
        scope |= Q(department__in=access.department_subtree_ids(actor.department_id))
    return scope


def _deals_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = deal_scope(actor)
    return qs if scope is None else qs.filter(scope)


def can_edit_deal(actor: User, deal: Deal) -> bool:
    if not actor.can_write:
        return False
    if actor.sees_everything:
        return True
    if deal.manager_id == actor.pk:
        return True
    if deal.client_id is not None and deal.client.manager_id == actor.pk:
        return True
    if actor.role == Role.HEAD and deal.department_id is not None:
        return deal.department_id in access.department_subtree_ids(actor.department_id)
    return False


def _by_deal(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = deal_scope(actor)
    if scope is None:
        return qs.filter(deal__deleted_at__isnull=True)
    return qs.filter(deal__in=Deal.objects.filter(scope, deleted_at__isnull=True).values("pk"))


def _line_editable(actor: User, line: DealLine) -> bool:
    return can_edit_deal(actor, line.deal)


def _everyone(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


def can_edit_reference(actor: User, record: Any = None) -> bool:
    """Administrators and directors change pipelines, stages and the sales lists."""
    return bool(actor and actor.is_authenticated and actor.can_write and actor.sees_everything)


access.register(Deal, visible=_deals_visible, editable=can_edit_deal)
access.register(DealLine, visible=_by_deal, editable=_line_editable)
access.register(StageVisit, visible=_by_deal, editable=lambda actor, visit: False)
for _model in (Pipeline, Stage, StageAction, LostReason, Competitor):
    access.register(_model, visible=_everyone, editable=can_edit_reference)


# Sales plans: the rules live with the plans' selectors (helper "funnel"); imported when
# first used, so that this module stays importable from the selectors themselves.
def _plans_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    from .selectors.plans import plans_visible

    return plans_visible(actor, qs)


def _plan_lines_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    from .selectors.plans import plan_lines_visible

    return plan_lines_visible(actor, qs)


def _plan_editable(actor: User, plan: SalesPlan) -> bool:
    from .services.plans import can_edit_plan

    return can_edit_plan(actor, plan)


access.register(SalesPlan, visible=_plans_visible, editable=_plan_editable)
access.register(SalesPlanLine, visible=_plan_lines_visible)
