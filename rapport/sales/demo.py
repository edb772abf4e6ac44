"""Demo sales for the demo company: two pipelines ("Sales of goods" with a Proposal stage
that requires product lines, and "Services"), lost reasons, competitors and about forty
deals across stages and managers, with product lines (when the catalogue has priced
products), some won and lost, and a stage history spread over the past weeks.
Registered with rapport.parties.demo from SalesConfig.ready."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.catalog import pricing
from rapport.catalog.models import Currency, Product
from rapport.core.models import Organisation, User
from rapport.parties.models import Client

from .models import Competitor, Deal, LostReason, Pipeline, Stage, StageAction, StageVisit
from .services import deals as deal_services

GOODS = [
    ("Lead", 10, []),
    ("Qualification", 20, []),
    ("Proposal", 40, ["lines"]),
    ("Negotiation", 60, ["lines"]),
    ("Contract", 80, ["lines", "expected_close"]),
]
SERVICES = [("Request", 10, []), ("Estimate", 30, []), ("Agreement", 70, ["amount"])]
REASONS = ["Price too high", "Chose a competitor", "No budget", "No response"]
COMPETITORS = ["Northwind Traders", "Contoso", "Fabrikam"]
TITLES = [
    "Office equipment",
    "Annual supply",
    "Pilot order",
    "Warehouse fit-out",
    "Spare parts",
    "Service contract",
    "Replacement units",
    "Framework agreement",
]


def _pipeline(name: str, stages: list[tuple[str, int, list[str]]], default: bool) -> Pipeline:
    pipeline, _created = Pipeline.objects.get_or_create(
        name=name, defaults={"is_default": default, "position": 0 if default else 1}
    )
    for position, (stage_name, probability, required) in enumerate(stages):
        Stage.objects.get_or_create(
            pipeline=pipeline,
            name=stage_name,
            defaults={
                "position": position,
                "probability": probability,
                "required_fields": required,
            },
        )
    return pipeline


def create_demo_sales(*, users: dict[str, User], clients: list[Client]) -> None:
    managers = [u for key in ("manager1", "manager2", "manager3") if (u := users.get(key))]
    if not managers or not clients:
        return
    rng = random.Random(7)
    goods = _pipeline("Sales of goods", GOODS, True)
    services = _pipeline("Services", SERVICES, False)
    qualification = goods.stages.get(name="Qualification")
    StageAction.objects.get_or_create(
        stage=qualification,
        title="Call the client to confirm the need",
        defaults={"due_in_days": 2},
    )
    reasons = [
        LostReason.objects.get_or_create(name=n, defaults={"position": i})[0]
        for i, n in enumerate(REASONS)
    ]
    competitors = [Competitor.objects.get_or_create(name=n)[0] for n in COMPETITORS]
    organisation = Organisation.objects.order_by("name").first()
    base = pricing.base_currency(organisation)
    currency, _created = Currency.objects.get_or_create(code=base, defaults={"name": base})
    products = list(Product.objects.filter(is_active=True, deleted_at__isnull=True)[:20])
    price_type = pricing.default_price_type()
    now = timezone.now()
    for i in range(40):
        manager = managers[i % len(managers)]
        own = [c for c in clients if c.manager_id == manager.pk] or clients
        client = rng.choice(own)
        pipeline = goods if i % 4 else services
        stages = list(pipeline.stages.order_by("position"))
        lines = _lines(rng, products, price_type, currency) if pipeline is goods else []
        if not lines:
            stages = [s for s in stages if "lines" not in s.required_fields]
        target = rng.randrange(len(stages))
        started = now - dt.timedelta(days=rng.randint(10, 90))
        deal = deal_services.deal_create(
            actor=manager,
            title=f"{rng.choice(TITLES)} — {client.name}",
            client=client,
            pipeline=pipeline,
            currency=currency,
            price_type=price_type,
            amount=Decimal(rng.randrange(500, 50000, 50)),
            expected_close=(now + dt.timedelta(days=rng.randint(5, 60))).date(),
            manager=manager,
            competitors=rng.sample(competitors, rng.randint(0, 2)),
            lines=lines,
        )
        for stage in stages[1 : target + 1]:
            deal = deal_services.deal_move(actor=manager, deal=deal, stage=stage)
        outcome = rng.random()
        if outcome < 0.15:
            deal = deal_services.deal_win(actor=manager, deal=deal)
        elif outcome < 0.3:
            deal = deal_services.deal_lose(
                actor=manager, deal=deal, reason=rng.choice(reasons), comment=""
            )
        _spread_history(deal, started, now, rng)


def _lines(rng: random.Random, products: list[Product], price_type: Any, currency: Currency):
    if not products:
        return []
    lines = []
    for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
        line: dict[str, Any] = {"product": product, "quantity": rng.randint(1, 20)}
        found = (
            pricing.price_for(
                product=product,
                price_type=price_type,
                currency=currency.code,
                on=timezone.localdate(),
            )
            if price_type is not None
            else None
        )
        if found is None:
            line["price"] = Decimal(rng.randrange(100, 5000)) / 10
        lines.append(line)
    return lines


def _spread_history(deal: Deal, started: dt.datetime, now: dt.datetime, rng: random.Random):
    """Backdate the deal and its stage visits so the demo funnel has times in stage."""
    visits = list(StageVisit.objects.filter(deal=deal).order_by("entered_at", "id"))
    span = (now - started) / (len(visits) + 1)
    at = started
    for visit in visits:
        visit.entered_at = at
        at = at + span * rng.uniform(0.5, 1.0)
        if visit.left_at is not None:
            visit.left_at = at
        visit.save(update_fields=["entered_at", "left_at"])
    updates: dict[str, Any] = {"created_at": started, "stage_entered_at": visits[-1].entered_at}
    if deal.closed_at is not None:
        updates["closed_at"] = at
    Deal.objects.filter(pk=deal.pk).update(**updates)
