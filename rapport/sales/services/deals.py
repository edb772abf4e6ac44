"""Writes of deals: create and edit (with product lines priced from the catalogue and an
optimistic version check), trash and restore.

The rest of a deal's writes live beside this module: its money in deal_lines (pricing,
line checks, amounts), its stages in deal_stages (requirements, stage history, typical
actions as tasks, move / win / lose / reopen), the checks every write makes in
deal_guards (including DealConflict). This module re-exports their public names
(``__all__``), so ``services.deals`` stays the one entry point of deal writes for views,
the API and the demo data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog import pricing
from rapport.catalog.models import Currency, PriceType
from rapport.core import access
from rapport.core.access import require_writer
from rapport.core.history import mark_actor
from rapport.core.models import Organisation, User
from rapport.core.services import record_restore, record_trash
from rapport.parties.models import Client, ContactPerson, ContactRole, Source

from ..models import Competitor, Deal, DealStatus, Pipeline, Stage
from .deal_guards import (
    DealConflict,
    lock_deal,
    require_edit,
    require_open,
    save_deal,
)
from .deal_lines import (
    ZERO,
    PricedLine,
    PricedLines,
    parse_decimal,
    price_deal_lines,
    price_lines,
    saved_lines_input,
    set_amounts,
    write_lines,
)
from .deal_stages import (
    check_requirements,
    close_visits,
    create_stage_tasks,
    deal_lose,
    deal_move,
    deal_reopen,
    deal_win,
    enter_stage,
    missing_requirements,
    open_visit,
    validate_target,
)

__all__ = [
    "EDITABLE",
    "DealConflict",
    "PricedLine",
    "PricedLines",
    "deal_create",
    "deal_lose",
    "deal_move",
    "deal_reopen",
    "deal_restore",
    "deal_trash",
    "deal_update",
    "deal_win",
    "missing_requirements",
    "price_lines",
]


def _clean_refs(actor: User, data: dict[str, Any], deal: Deal | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = [_("Give the deal a title.")]
    client = data.get("client")
    if "client" in data:
        if client is None:
            errors["client"] = [_("Choose the client.")]
        elif not access.visible_to(actor, Client).filter(pk=client.pk).exists():
            errors["client"] = [_("Unknown client.")]
    manager = data.get("manager")
    if manager is not None and not manager.is_active:
        errors["manager"] = [_("This user is not active.")]
    if "probability" in data and data["probability"] is not None:
        try:
            data["probability"] = int(data["probability"])
        except (TypeError, ValueError):
            data["probability"] = -1
        if not 0 <= data["probability"] <= 100:
            errors["probability"] = [_("Give the probability in percent, 0 to 100.")]
    if "amount" in data and data["amount"] is not None:
        try:
            data["amount"] = parse_decimal(data["amount"], default=ZERO)
        except ValueError:
            errors["amount"] = [_("Enter a number.")]
        else:
            if data["amount"] < 0:
                errors["amount"] = [_("The amount cannot be negative.")]
    return errors


def _set_contacts(deal: Deal, contacts: Iterable[ContactPerson] | None) -> None:
    if contacts is None:
        return
    contacts = list(contacts)
    linked = set(
        ContactRole.objects.filter(
            client=deal.client_id, contact__in=[c.pk for c in contacts]
        ).values_list("contact_id", flat=True)
    )
    foreign = [str(c) for c in contacts if c.pk not in linked]
    if foreign:
        raise ValidationError(
            {
                "contacts": [
                    _("Not contact persons of this client: %(names)s.")
                    % {"names": ", ".join(foreign)}
                ]
            }
        )
    deal.contacts.set(contacts)


# --- create / update --------------------------------------------------------------------


@transaction.atomic
def deal_create(
    *,
    actor: User,
    title: str,
    client: Client,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    currency: Currency | None = None,
    price_type: PriceType | None = None,
    amount: Decimal | str | None = None,
    probability: int | None = None,
    expected_close: dt.date | None = None,
    manager: User | None = None,
    source: Source | None = None,
    contacts: Iterable[ContactPerson] = (),
    competitors: Iterable[Competitor] = (),
    description: str = "",
    organisation: Organisation | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    properties: dict[str, Any] | None = None,
    campaign_id: Any = None,
) -> Deal:
    """Open a deal in ``stage`` (default: the pipeline's first stage); its amount is the
    lines' total when there are lines, else ``amount``."""
    require_writer(actor)
    data: dict[str, Any] = {
        "title": title,
        "client": client,
        "manager": manager,
        "probability": probability,
        "amount": amount,
    }
    errors = _clean_refs(actor, data, None)
    if stage is None:
        if pipeline is None:
            pipeline = (
                Pipeline.objects.filter(is_active=True).order_by("-is_default", "position").first()
            )
        stage = (
            pipeline.stages.filter(is_active=True).order_by("position").first()
            if pipeline is not None
            else None
        )
        if stage is None:
            errors["stage"] = [_("Choose the pipeline and the stage.")]
    elif pipeline is not None and stage.pipeline_id != pipeline.pk:
        errors["stage"] = [_("The stage is not of the chosen pipeline.")]
    if organisation is None:
        organisation = Organisation.objects.order_by("name").first()
    if currency is None:
        code = pricing.base_currency(organisation)
        currency = Currency.objects.filter(code=code).first()
        if currency is None:
            errors["currency"] = [_("Choose the currency.")]
    if errors or stage is None:  # no stage comes with an error
        raise ValidationError(errors)
    manager = data["manager"] or actor
    now = timezone.now()
    deal = Deal(
        title=data["title"],
        client=client,
        pipeline_id=stage.pipeline_id,
        stage=stage,
        status=DealStatus.OPEN,
        currency=currency,
        price_type=price_type or pricing.default_price_type(),
        probability=stage.probability if data["probability"] is None else data["probability"],
        expected_close=expected_close,
        manager=manager,
        department=manager.department,
        source=source,
        description=description or "",
        organisation=organisation,
        properties=properties or {},
        campaign_id=campaign_id,
        created_by=actor,
        stage_entered_at=now,
        furthest_position=stage.position,
        amount=data["amount"] or ZERO,
    )
    priced = price_deal_lines(deal, actor, lines or [])
    set_amounts(deal, priced, data["amount"])
    mark_actor(deal, actor)
    deal.save()
    write_lines(deal, priced)
    _set_contacts(deal, contacts)
    deal.competitors.set(list(competitors))
    check_requirements(deal, stage)
    open_visit(deal, actor, now)
    create_stage_tasks(deal, stage, actor)
    return deal


EDITABLE = (
    "title",
    "client",
    "currency",
    "price_type",
    "amount",
    "probability",
    "expected_close",
    "manager",
    "source",
    "description",
    "organisation",
    "properties",
    "campaign_id",
)


@transaction.atomic
def deal_update(
    *,
    actor: User,
    deal: Deal,
    version: int,
    stage: Stage | None = None,
    contacts: Iterable[ContactPerson] | None = None,
    competitors: Iterable[Competitor] | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Deal:
    """Change a deal saved at ``version`` (a conflict if it changed since). ``lines``
    replaces every line when given; ``stage`` moves it (the stage's rules apply)."""
    require_edit(actor, deal)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if version is None:
        raise ValidationError({"version": [_("Give the version of the deal you edited.")]})
    deal = lock_deal(deal, version)
    errors = _clean_refs(actor, changes, deal)
    if errors:
        raise ValidationError(errors)
    if "client" in changes and changes["client"].pk != deal.client_id and contacts is None:
        contacts = []
    reprice = lines is None and any(
        name in changes and getattr(deal, f"{name}_id") != getattr(changes[name], "pk", None)
        for name in ("currency", "price_type")
    )
    for name, value in changes.items():
        if name in ("amount", "probability") and value is None:
            continue
        setattr(deal, name, value)
    if "manager" in changes:
        deal.manager = changes["manager"] or actor
        deal.department = deal.manager.department
    if reprice:
        # A new currency or price type: catalogue prices again (typed-in lines keep theirs).
        lines = [
            {**line, "price": None} if line["product"] is not None else line
            for line in saved_lines_input(deal)
        ]
    priced = price_deal_lines(deal, actor, lines) if lines is not None else None
    set_amounts(deal, priced, changes.get("amount"))
    if priced is not None:
        write_lines(deal, priced)
    _set_contacts(deal, contacts)
    if competitors is not None:
        deal.competitors.set(list(competitors))
    target = stage if stage is not None and stage.pk != deal.stage_id else None
    if target is not None:
        require_open(deal)
        validate_target(deal, target)
        check_requirements(deal, target)
        now = timezone.now()
        close_visits(deal, now)
        enter_stage(deal, target, actor, now)
    else:
        check_requirements(deal, deal.stage)
    save_deal(deal, actor)
    if target is not None:
        open_visit(deal, actor, deal.stage_entered_at)
        create_stage_tasks(deal, target, actor)
    return deal


def deal_trash(*, actor: User, deal: Deal) -> None:
    require_edit(actor, deal)
    record_trash(actor=actor, record=deal)


def deal_restore(*, actor: User, deal: Deal) -> None:
    record_restore(actor=actor, record=deal)
