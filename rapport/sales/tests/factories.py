"""Factories of the sales app: pipelines with ordered stages, deals, lines, stage visits.

``PipelineFactory(stages=["Lead", "Proposal", "Contract"])`` makes the stages at positions
0, 1, 2 (probabilities spread from 10 to 90 unless given as ``probabilities=[...]``);
without ``stages`` the five DEFAULT_STAGES; ``stages=[]`` makes none.
``DealFactory`` picks the first stage of its pipeline, a client managed by the deal's
manager, the EUR currency and copies the manager's department; it writes the opening
stage visit (as deal_create does) unless ``visits=False``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from rapport.catalog.models import Currency
from rapport.core.tests.factories import UserFactory
from rapport.parties.tests.factories import ClientFactory
from rapport.sales.models import (
    Competitor,
    Deal,
    DealLine,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageAction,
    StageVisit,
)

DEFAULT_STAGES = ["Lead", "Qualification", "Proposal", "Negotiation", "Contract"]


def currency(code: str = "EUR", minor_units: int = 2) -> Currency:
    obj, _created = Currency.objects.get_or_create(
        code=code, defaults={"name": code, "minor_units": minor_units}
    )
    return obj


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        probabilities = kwargs.pop("probabilities", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj._stage_probabilities = probabilities
        return obj

    @factory.post_generation
    def stages(obj, create, extracted, **kwargs):
        if not create:
            return
        names = DEFAULT_STAGES if extracted is None else list(extracted)
        probabilities = kwargs.get("probabilities") or getattr(obj, "_stage_probabilities", None)
        count = len(names)
        for i, name in enumerate(names):
            if probabilities is not None:
                probability = probabilities[i]
            else:
                probability = 10 + (80 * i // max(count - 1, 1)) if count > 1 else 10
            Stage.objects.create(pipeline=obj, name=name, position=i, probability=probability)


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory, stages=[])
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)
    probability = 10


class StageActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageAction

    stage = factory.SubFactory(StageFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    due_in_days = 2


class LostReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LostReason
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Reason {n}")


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Competitor {n}")


def _first_stage(deal) -> Stage:
    return deal.pipeline.stages.order_by("position").first()


class DealFactory(factory.django.DjangoModelFactory):
    """A deal; pass ``stage=`` (its pipeline is taken from it) or ``pipeline=``."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Deal {n}")
    manager = factory.SubFactory(UserFactory)
    client = factory.LazyAttribute(lambda d: ClientFactory(manager=d.manager))
    pipeline = factory.LazyAttribute(
        lambda d: d.stage.pipeline if d.stage is not None else PipelineFactory()
    )
    stage = None
    currency = factory.LazyFunction(currency)
    department = factory.LazyAttribute(lambda d: d.manager.department if d.manager else None)
    status = DealStatus.OPEN
    amount = Decimal("1000.00")
    amount_base = factory.LazyAttribute(lambda d: d.amount)
    probability = factory.LazyAttribute(lambda d: d.stage.probability if d.stage else 0)
    created_by = factory.LazyAttribute(lambda d: d.manager)
    stage_entered_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        visits = kwargs.pop("visits", True)
        if kwargs.get("stage") is None:
            kwargs["stage"] = kwargs["pipeline"].stages.order_by("position").first()
            if "probability" in kwargs and not kwargs["probability"]:
                kwargs["probability"] = kwargs["stage"].probability
        kwargs.setdefault("furthest_position", kwargs["stage"].position)
        if kwargs.get("status") in (DealStatus.WON, DealStatus.LOST) and not kwargs.get(
            "closed_at"
        ):
            kwargs["closed_at"] = timezone.now()
        deal = super()._create(model_class, *args, **kwargs)
        if visits:
            StageVisit.objects.create(
                deal=deal,
                pipeline=deal.pipeline,
                stage=deal.stage,
                entered_at=deal.stage_entered_at,
                left_at=deal.closed_at,
                entered_by=deal.manager,
            )
        return deal


class DealLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealLine

    deal = factory.SubFactory(DealFactory)
    position = factory.Sequence(lambda n: n)
    description = factory.Sequence(lambda n: f"Line {n}")
    quantity = Decimal("1")
    price = Decimal("100")
    amount = factory.LazyAttribute(
        lambda line: (line.quantity * line.price).quantize(Decimal("0.01"))
    )


def visit(deal: Deal, stage: Stage, entered_at: dt.datetime, left_at: dt.datetime | None = None):
    """A stage visit (stage history row) of ``deal``."""
    return StageVisit.objects.create(
        deal=deal, pipeline=stage.pipeline, stage=stage, entered_at=entered_at, left_at=left_at
    )
