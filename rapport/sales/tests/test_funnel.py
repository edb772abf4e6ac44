"""The sales funnel: figures against hand-computed cases, filters, scope, query counts,
and the property "the stage counts add up to the open deals in scope"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.catalog.models import Currency, Product, ProductGroup
from rapport.core import access
from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.parties.models import Tag
from rapport.parties.tests.factories import ClientFactory
from rapport.sales.models import Deal, DealLine, DealStatus, Pipeline, Stage, StageVisit
from rapport.sales.selectors.funnel import FunnelFilters, funnel, funnel_filters

UTC = ZoneInfo("UTC")


def at(day: int, month: int = 3, year: int = 2025, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def eur() -> Currency:
    return Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})[0]


def make_pipeline(names=("Lead", "Proposal", "Contract"), probabilities=(10, 50, 90), **kw):
    pipeline = Pipeline.objects.create(name=kw.pop("name", f"P{Pipeline.objects.count()}"), **kw)
    for pos, (name, prob) in enumerate(zip(names, probabilities, strict=True)):
        Stage.objects.create(pipeline=pipeline, name=name, position=pos, probability=prob)
    return pipeline, list(pipeline.stages.order_by("position"))


def make_deal(
    pipeline,
    stage,
    manager,
    *,
    status=DealStatus.OPEN,
    amount="100.00",
    probability=None,
    closed_at=None,
    furthest=None,
    client=None,
    department="same",
):
    return Deal.objects.create(
        title="Deal",
        client=client or ClientFactory(manager=manager),
        pipeline=pipeline,
        stage=stage,
        status=status,
        amount=Decimal(amount),
        amount_base=Decimal(amount),
        currency=eur(),
        probability=stage.probability if probability is None else probability,
        manager=manager,
        department=manager.department if department == "same" else department,
        closed_at=closed_at,
        furthest_position=stage.position if furthest is None else furthest,
    )


def filters(pipeline, **kw) -> FunnelFilters:
    kw.setdefault("date_from", dt.date(2025, 1, 1))
    kw.setdefault("date_to", dt.date(2025, 12, 31))
    return FunnelFilters(pipeline=pipeline.pk, **kw)


@pytest.fixture
def world(staff):
    """One pipeline Lead(10%) -> Proposal(50%) -> Contract(90%) with, for manager1:
    open: 2 in Lead (100, 300), 1 in Contract (1000 at 80%);
    closed in March 2025: won from Contract (reached all), lost at Proposal, lost at Lead;
    closed in 2024 (outside the period): won from Contract.
    manager3 (another department): 1 open in Proposal (500), 1 won in March 2025."""
    pipeline, (lead, proposal, contract) = make_pipeline()
    m1, m3 = staff.manager1, staff.manager3
    make_deal(pipeline, lead, m1, amount="100.00")
    make_deal(pipeline, lead, m1, amount="300.00")
    make_deal(pipeline, contract, m1, amount="1000.00", probability=80)
    won = make_deal(pipeline, contract, m1, status=DealStatus.WON, closed_at=at(20))
    lost_p = make_deal(pipeline, proposal, m1, status=DealStatus.LOST, closed_at=at(21))
    make_deal(pipeline, lead, m1, status=DealStatus.LOST, closed_at=at(22))
    make_deal(pipeline, contract, m1, status=DealStatus.WON, closed_at=at(1, year=2024))
    make_deal(pipeline, proposal, m3, amount="500.00")
    won3 = make_deal(pipeline, contract, m3, status=DealStatus.WON, closed_at=at(10))
    # Stage history: the won deal spent 2 days in Lead, 4 in Proposal, 1 in Contract
    # (its last visit is still open: it ends when the deal closed).
    StageVisit.objects.bulk_create(
        [
            StageVisit(deal=won, pipeline=pipeline, stage=lead, entered_at=at(11), left_at=at(13)),
            StageVisit(
                deal=won, pipeline=pipeline, stage=proposal, entered_at=at(13), left_at=at(17)
            ),
            StageVisit(deal=won, pipeline=pipeline, stage=contract, entered_at=at(19)),
            # the lost one: 6 days in Lead (two stays, 2 + 4), 1 in Proposal
            StageVisit(deal=lost_p, pipeline=pipeline, stage=lead, entered_at=at(1), left_at=at(3)),
            StageVisit(
                deal=lost_p, pipeline=pipeline, stage=lead, entered_at=at(10), left_at=at(14)
            ),
            StageVisit(
                deal=lost_p, pipeline=pipeline, stage=proposal, entered_at=at(20), left_at=at(21)
            ),
            StageVisit(
                deal=won3, pipeline=pipeline, stage=contract, entered_at=at(5), left_at=at(10)
            ),
        ]
    )
    return pipeline, (lead, proposal, contract)


def _figures(result):
    return [
        (s.name, s.open_count, s.open_amount, s.weighted_amount, s.reached, s.conversion_to_next)
        for s in result.stages
    ]


def test_open_and_closed_funnel_for_the_director(staff, world):
    pipeline, _stages = world
    result = funnel(actor=staff.director, filters=filters(pipeline))
    assert _figures(result) == [
        ("Lead", 2, Decimal("400.00"), Decimal("40.00"), 4, 0.75),
        ("Proposal", 1, Decimal("500.00"), Decimal("250.00"), 3, 0.6667),
        ("Contract", 1, Decimal("1000.00"), Decimal("800.00"), 2, None),
    ]
    assert (result.won, result.lost) == (2, 2)
    assert [s.conversion_to_won for s in result.stages] == [0.5, 0.6667, 1.0]
    # Lead: won deal 2 days, lost deal 6 days (two stays) -> 4; Proposal: 4 and 1 -> 2.5;
    # Contract: won 1 day (open visit ends at the close), won3 5 days -> 3.
    assert [s.avg_days_in_stage for s in result.stages] == [4.0, 2.5, 3.0]
    assert result.open_count == 4
    assert result.open_amount == Decimal("1900.00")


def test_manager_sees_only_own_figures(staff, world):
    pipeline, _stages = world
    result = funnel(actor=staff.manager1, filters=filters(pipeline))
    assert _figures(result) == [
        ("Lead", 2, Decimal("400.00"), Decimal("40.00"), 3, 0.6667),
        ("Proposal", 0, Decimal("0.00"), Decimal("0.00"), 2, 0.5),
        ("Contract", 1, Decimal("1000.00"), Decimal("800.00"), 1, None),
    ]
    assert (result.won, result.lost) == (1, 2)
    other = funnel(actor=staff.manager3, filters=filters(pipeline))
    assert [s.open_count for s in other.stages] == [0, 1, 0]
    assert (other.won, other.lost) == (1, 0)
    # Filtering on someone else's deals does not widen the scope.
    peek = funnel(actor=staff.manager3, filters=filters(pipeline, manager=staff.manager1.pk))
    assert peek.open_count == 0 and peek.won == 0


def test_head_sees_the_department_tree(staff, world):
    pipeline, _stages = world
    result = funnel(actor=staff.head, filters=filters(pipeline))
    assert result.open_count == 3  # manager1's, not manager3's (Service)
    assert (result.won, result.lost) == (1, 2)


@pytest.mark.parametrize(
    ("role", "expected_open"),
    [("admin", 4), ("director", 4), ("viewer", 4), ("viewer_sales", 3), ("manager2", 0)],
)
def test_every_role(staff, world, role, expected_open):
    pipeline, _stages = world
    assert funnel(actor=getattr(staff, role), filters=filters(pipeline)).open_count == expected_open


def test_period_filter(staff, world):
    pipeline, _stages = world
    result = funnel(
        actor=staff.director,
        filters=filters(pipeline, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)),
    )
    assert (result.won, result.lost) == (1, 0)
    assert [s.reached for s in result.stages] == [1, 1, 1]
    # The open funnel is a snapshot: the period does not change it.
    assert result.open_count == 4
    day = funnel(
        actor=staff.director,
        filters=filters(pipeline, date_from=dt.date(2025, 3, 21), date_to=dt.date(2025, 3, 21)),
    )
    assert (day.won, day.lost) == (0, 1)


def test_period_is_read_in_the_actors_time_zone(staff):
    pipeline, (lead, *_rest) = make_pipeline()
    # 23:30 UTC on 31 March is already 1 April in Warsaw.
    make_deal(
        pipeline,
        lead,
        staff.manager1,
        status=DealStatus.LOST,
        closed_at=dt.datetime(2025, 3, 31, 23, 30, tzinfo=UTC),
    )
    march = filters(pipeline, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))
    staff.director.time_zone = "UTC"
    assert funnel(actor=staff.director, filters=march).lost == 1
    staff.director.time_zone = "Europe/Warsaw"
    assert funnel(actor=staff.director, filters=march).lost == 0


def test_manager_and_department_filters(staff, world):
    pipeline, _stages = world
    by_manager = funnel(actor=staff.director, filters=filters(pipeline, manager=staff.manager3.pk))
    assert [s.open_count for s in by_manager.stages] == [0, 1, 0]
    assert by_manager.won == 1
    sales = funnel(actor=staff.director, filters=filters(pipeline, department=staff.sales.pk))
    assert sales.open_count == 3 and (sales.won, sales.lost) == (1, 2)
    # The department filter takes the subtree: the head office holds both.
    office = funnel(actor=staff.director, filters=filters(pipeline, department=staff.office.pk))
    assert office.open_count == 4


def test_product_group_filter_takes_subgroups(staff, world):
    pipeline, (lead, proposal, _contract) = world
    hardware = ProductGroup.objects.create(name="Hardware")
    laptops = ProductGroup.objects.create(name="Laptops", parent=hardware)
    other = ProductGroup.objects.create(name="Services")
    laptop = Product.objects.create(name="Laptop", group=laptops)
    service = Product.objects.create(name="Setup", group=other)
    deal = make_deal(pipeline, proposal, staff.manager2, amount="700.00")
    DealLine.objects.create(deal=deal, product=laptop, amount=Decimal("700.00"))
    DealLine.objects.create(deal=deal, product=laptop, amount=Decimal("0.00"))  # no double count
    other_deal = make_deal(pipeline, lead, staff.manager2)
    DealLine.objects.create(deal=other_deal, product=service)
    result = funnel(actor=staff.director, filters=filters(pipeline, product_group=hardware.pk))
    assert [s.open_count for s in result.stages] == [0, 1, 0]
    assert result.stages[1].open_amount == Decimal("700.00")
    assert result.stages[1].weighted_amount == Decimal("350.00")


def test_client_category_filter(staff, world):
    pipeline, (lead, *_rest) = world
    wholesale = Tag.objects.create(name="Wholesale")
    client = ClientFactory(manager=staff.manager2)
    client.tags.add(wholesale, Tag.objects.create(name="Partner"))
    make_deal(pipeline, lead, staff.manager2, client=client, amount="50.00")
    make_deal(pipeline, lead, staff.manager2, client=client, status=DealStatus.WON, closed_at=at(5))
    result = funnel(actor=staff.director, filters=filters(pipeline, category=wholesale.pk))
    assert [s.open_count for s in result.stages] == [1, 0, 0]
    assert result.stages[0].open_amount == Decimal("50.00")
    assert (result.won, result.lost) == (1, 0)


def test_empty_and_trashed(staff):
    pipeline, (lead, *_rest) = make_pipeline()
    result = funnel(actor=staff.director, filters=filters(pipeline))
    assert [s.conversion_to_next for s in result.stages] == [None, None, None]
    assert result.won == result.lost == 0
    deal = make_deal(pipeline, lead, staff.manager1)
    deal.deleted_at = at(1)
    deal.save()
    assert funnel(actor=staff.director, filters=filters(pipeline)).open_count == 0


def test_constant_number_of_queries(staff, world):
    pipeline, (lead, _p, contract) = world

    def count(actor, **kw):
        with CaptureQueriesContext(connection) as ctx:
            funnel(actor=actor, filters=filters(pipeline, **kw))
        return len(ctx.captured_queries)

    group = ProductGroup.objects.create(name="G")
    heavy = {"department": staff.office.pk, "product_group": group.pk}
    before = (count(staff.director), count(staff.head), count(staff.director, **heavy))
    for n in range(30):
        make_deal(pipeline, lead, staff.manager1)
        make_deal(
            pipeline, contract, staff.manager2, status=DealStatus.WON, closed_at=at(n % 28 + 1)
        )
    after = (count(staff.director), count(staff.head), count(staff.director, **heavy))
    assert before == after
    assert before[0] <= 4


def test_filters_from_parameters(staff, world):
    pipeline, _stages = world
    parsed = funnel_filters(
        params={"pipeline": str(pipeline.pk), "date_from": "2025-01-01", "date_to": "2025-02-01"}
    )
    assert parsed.pipeline == pipeline.pk and parsed.date_to == dt.date(2025, 2, 1)
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    assert funnel_filters(params={}).pipeline == pipeline.pk
    cases = [
        ({"pipeline": "x"}, "pipeline"),
        ({"pipeline": "0190a0a0-0000-7000-8000-000000000000"}, "pipeline"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
        ({"manager": "0190a0a0-0000-7000-8000-000000000000"}, "manager"),
        ({"department": "nope"}, "department"),
        ({"product_group": "0190a0a0-0000-7000-8000-000000000000"}, "product_group"),
        ({"category": "0190a0a0-0000-7000-8000-000000000000"}, "category"),
    ]
    for params, name in cases:
        with pytest.raises(ValidationError) as exc:
            funnel_filters(params=params)
        assert list(exc.value.message_dict) == [name], params


# --- property: the stage counts add up to the open deals in scope ------------------------

ROLES = ["director", "head", "manager1", "manager2", "manager3", "viewer_sales"]


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stage_count=st.integers(min_value=1, max_value=5),
    deals=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4),  # stage index (mod stage count)
            st.sampled_from(["manager1", "manager2", "manager3", "head"]),
            st.sampled_from([DealStatus.OPEN, DealStatus.OPEN, DealStatus.WON, DealStatus.LOST]),
            st.booleans(),  # in the other pipeline
        ),
        max_size=25,
    ),
    role=st.sampled_from(ROLES),
)
def test_open_counts_add_up_to_open_deals_in_scope(staff, stage_count, deals, role):
    Deal.objects.all().delete()
    Pipeline.objects.all().delete()
    names = [f"S{i}" for i in range(stage_count)]
    pipeline, stages = make_pipeline(names, [10] * stage_count, name="Main")
    other, other_stages = make_pipeline(["X"], [5], name="Other")
    for index, manager, status, elsewhere in deals:
        closed = at(3) if status != DealStatus.OPEN else None
        if elsewhere:
            make_deal(
                other, other_stages[0], getattr(staff, manager), status=status, closed_at=closed
            )
        else:
            stage = stages[index % stage_count]
            make_deal(pipeline, stage, getattr(staff, manager), status=status, closed_at=closed)
    actor = getattr(staff, role)
    result = funnel(actor=actor, filters=filters(pipeline))
    expected = (
        access.visible_to(actor, Deal).filter(pipeline=pipeline, status=DealStatus.OPEN).count()
    )
    assert sum(s.open_count for s in result.stages) == expected
    closed_visible = (
        access.visible_to(actor, Deal).filter(pipeline=pipeline).exclude(status=DealStatus.OPEN)
    )
    assert result.won + result.lost == closed_visible.count()
    assert result.stages[0].reached == result.won + result.lost


def test_a_stage_with_no_manager_user_still_counts(staff):
    """Deals without a manager are seen by directors (not lost from the totals)."""
    pipeline, (lead, *_rest) = make_pipeline()
    deal = make_deal(pipeline, lead, staff.manager1)
    Deal.objects.filter(pk=deal.pk).update(manager=None)
    assert funnel(actor=staff.director, filters=filters(pipeline)).open_count == 1
    lone = UserFactory(role=Role.MANAGER, department=staff.sales)
    assert funnel(actor=lone, filters=filters(pipeline)).open_count == 0
