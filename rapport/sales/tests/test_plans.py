"""Sales plans: validation and rights of the services, plan vs fact (every kind of line,
scope, currency conversion, query count), the API for every role, the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.catalog.models import Currency, ExchangeRate, Product, ProductGroup
from rapport.catalog.pricing import convert
from rapport.core.models import Organisation
from rapport.parties.tests.factories import ClientFactory
from rapport.sales.demo_plans import create_demo_plans
from rapport.sales.models import DealLine, DealStatus, PlanPeriod, SalesPlan, SalesPlanLine
from rapport.sales.selectors import plans as selectors
from rapport.sales.services import plans as services

from .test_funnel import at, make_deal, make_pipeline


@pytest.fixture
def shop(staff):
    """EUR base; won deals in March 2025: manager1 100 + 300, manager2 500 (lines: laptop
    200, setup 300), manager3 400 USD = 360 EUR (a laptop line of 100 USD = 90 EUR); won in
    April (outside), lost and open deals (never counted)."""
    Organisation.objects.create(name="Our company", currency="EUR")
    eur = Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})[0]
    usd = Currency.objects.get_or_create(code="USD", defaults={"name": "Dollar"})[0]
    ExchangeRate.objects.create(currency=usd, base=eur, date=dt.date(2020, 1, 1), rate="0.9")
    ExchangeRate.objects.create(currency=usd, base=eur, date=dt.date(2025, 4, 15), rate="0.5")
    hardware = ProductGroup.objects.create(name="Hardware")
    laptops = ProductGroup.objects.create(name="Laptops", parent=hardware)
    services_group = ProductGroup.objects.create(name="Services")
    laptop = Product.objects.create(name="Laptop", group=laptops)
    setup = Product.objects.create(name="Setup", group=services_group)
    pipeline, (lead, _proposal, contract) = make_pipeline()
    m1, m2, m3 = staff.manager1, staff.manager2, staff.manager3
    make_deal(pipeline, contract, m1, status=DealStatus.WON, amount="100.00", closed_at=at(5))
    make_deal(pipeline, contract, m1, status=DealStatus.WON, amount="300.00", closed_at=at(20))
    c2 = ClientFactory(manager=m2, name="Client Two")
    d3 = make_deal(
        pipeline, contract, m2, status=DealStatus.WON, amount="500.00", closed_at=at(10), client=c2
    )
    DealLine.objects.create(deal=d3, product=laptop, amount=Decimal("200.00"))
    DealLine.objects.create(deal=d3, product=setup, amount=Decimal("300.00"))
    d4 = make_deal(pipeline, contract, m3, status=DealStatus.WON, amount="400.00", closed_at=at(15))
    d4.currency, d4.amount_base = usd, Decimal("360.00")
    d4.save()
    DealLine.objects.create(deal=d4, product=laptop, amount=Decimal("100.00"))
    make_deal(pipeline, contract, m1, status=DealStatus.WON, closed_at=at(1, month=4))
    make_deal(pipeline, lead, m1, status=DealStatus.LOST, closed_at=at(10))
    make_deal(pipeline, lead, m1)
    return type(
        "Shop", (), {"eur": eur, "usd": usd, "hardware": hardware, "laptops": laptops, "c2": c2}
    )


def march_plan(staff, shop, currency="EUR", name="March"):
    return services.plan_create(
        actor=staff.director,
        name=name,
        period=PlanPeriod.MONTH,
        period_start=dt.date(2025, 3, 17),
        currency=currency,
        lines=[
            {"manager": staff.manager1, "amount": "1000", "count": 4},
            {"department": staff.sales.pk, "amount": "2000", "count": 5},
            {"product_group": shop.hardware, "amount": "500", "count": 1},
            {"client": shop.c2.pk, "amount": "1000", "count": 1},
            {"manager": staff.manager3.pk, "amount": "1000", "count": 0},
        ],
    )


def _facts(report):
    return {
        r.target: (r.fact_amount, r.fact_count, r.amount_percent, r.count_percent)
        for r in report.rows
    }


# --- services ---------------------------------------------------------------------------


def test_period_start_is_the_first_day_of_the_period(staff):
    Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})
    day = dt.date(2025, 5, 17)
    for period, start, end in [
        (PlanPeriod.MONTH, dt.date(2025, 5, 1), dt.date(2025, 5, 31)),
        (PlanPeriod.QUARTER, dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        (PlanPeriod.YEAR, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ]:
        plan = services.plan_create(
            actor=staff.director,
            name=period,
            period=period,
            period_start=day,
            currency="EUR",
            lines=[],
        )
        assert plan.period_start == start
        assert services.period_end(period, start) == end
    assert services.period_end(PlanPeriod.QUARTER, dt.date(2025, 10, 1)) == dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"amount": "10"}], "#1: choose exactly one"),
        ([{"manager": "M1", "department": "SALES", "amount": "1"}], "#1: choose exactly one"),
        ([{"manager": "M1", "amount": "1"}, {"manager": "M1", "amount": "2"}], "#2: "),
        ([{"manager": "M1", "amount": "-1"}], "#1: targets cannot be negative"),
        ([{"manager": "M1", "amount": "abc"}], "#1: the amount is not a number"),
        ([{"manager": "M1", "amount": "1", "count": "x"}], "#1: the number of deals"),
        ([{"client": "0190a0a0-0000-7000-8000-000000000000", "amount": "1"}], "#1: no such"),
    ],
)
def test_line_validation_names_the_line(staff, lines, message):
    Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})
    ids = {"M1": staff.manager1.pk, "SALES": staff.sales.pk}
    lines = [{k: ids.get(v, v) for k, v in line.items()} for line in lines]
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=staff.director,
            name="P",
            period="month",
            period_start="2025-03-01",
            currency="EUR",
            lines=lines,
        )
    assert any(m.startswith(message) for m in exc.value.message_dict["lines"])
    assert not SalesPlan.objects.exists()


def test_duplicate_names_both_lines(staff):
    Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=staff.director,
            name="P",
            period="month",
            period_start="2025-03-01",
            currency="EUR",
            lines=[
                {"department": staff.sales.pk, "amount": 1},
                {"manager": staff.manager1.pk, "amount": 1},
                {"department": staff.sales, "amount": 2},
            ],
        )
    assert exc.value.message_dict["lines"] == ["#3: Sales is already planned in line #1."]


def test_head_fields_validation(staff):
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=staff.director,
            name=" ",
            period="week",
            period_start="soon",
            currency="XXX",
            lines=[],
        )
    assert set(exc.value.message_dict) == {"name", "period", "period_start", "currency"}


def test_who_writes(staff, shop):
    for role in ("manager1", "viewer", "viewer_sales"):
        with pytest.raises(PermissionDenied):
            services.plan_create(
                actor=getattr(staff, role),
                name="P",
                period="month",
                period_start="2025-03-01",
                currency="EUR",
                lines=[],
            )
    own = services.plan_create(
        actor=staff.head,
        name="Sales dept",
        period="month",
        period_start="2025-03-01",
        currency="EUR",
        lines=[
            {"manager": staff.manager1, "amount": 10},
            {"department": staff.sales, "amount": 20},
            {"client": shop.c2, "amount": 5},
        ],
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=staff.head,
            name="Too wide",
            period="month",
            period_start="2025-03-01",
            currency="EUR",
            lines=[
                {"manager": staff.manager3, "amount": 10},
                {"department": staff.office, "amount": 10},
                {"product_group": shop.hardware, "amount": 10},
            ],
        )
    assert [m[:3] for m in exc.value.message_dict["lines"]] == ["#1:", "#2:", "#3:"]
    assert all("outside your department" in m for m in exc.value.message_dict["lines"])
    company = march_plan(staff, shop)
    assert services.can_edit_plan(staff.head, own)
    assert not services.can_edit_plan(staff.head, company)
    with pytest.raises(PermissionDenied):
        services.plan_update(actor=staff.head, plan=company, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.plan_delete(actor=staff.head, plan=company)
    company.refresh_from_db()
    assert company.name == "March" and company.deleted_at is None
    assert company.lines.count() == 5
    services.plan_update(
        actor=staff.head, plan=own, lines=[{"manager": staff.manager2.pk, "amount": "7.5"}]
    )
    assert list(own.lines.values_list("manager__username", "amount")) == [
        ("manager2", Decimal("7.50"))
    ]
    # A refused update leaves the lines as they were.
    with pytest.raises(ValidationError):
        services.plan_update(
            actor=staff.head, plan=own, lines=[{"manager": staff.manager3.pk, "amount": 1}]
        )
    assert own.lines.get().manager == staff.manager2


def test_delete_moves_to_trash(staff, shop):
    plan = march_plan(staff, shop)
    services.plan_delete(actor=staff.director, plan=plan)
    with pytest.raises(Http404):
        selectors.plan_get(actor=staff.director, pk=plan.pk)
    assert SalesPlan.objects.filter(pk=plan.pk, deleted_at__isnull=False).exists()


# --- plan vs fact -----------------------------------------------------------------------


def test_plan_vs_fact_for_the_director(staff, shop):
    report = selectors.plan_vs_fact(actor=staff.director, plan=march_plan(staff, shop))
    assert report.period_end == dt.date(2025, 3, 31)
    assert _facts(report) == {
        str(staff.manager1): (Decimal("400.00"), 2, 40.0, 50.0),
        "Sales": (Decimal("900.00"), 3, 45.0, 60.0),
        "Hardware": (Decimal("290.00"), 2, 58.0, 200.0),
        "Client Two": (Decimal("500.00"), 1, 50.0, 100.0),
        str(staff.manager3): (Decimal("360.00"), 1, 36.0, None),
    }
    assert report.plan_amount == Decimal("5500.00")
    assert report.fact_amount == Decimal("2450.00")


def test_plan_vs_fact_within_scope(staff, shop):
    plan = march_plan(staff, shop)
    mine = selectors.plan_vs_fact(actor=staff.manager1, plan=plan)
    assert _facts(mine) == {
        str(staff.manager1): (Decimal("400.00"), 2, 40.0, 50.0),
        "Sales": (Decimal("400.00"), 2, 20.0, 40.0),
        "Hardware": (Decimal("0.00"), 0, 0.0, 0.0),
    }
    head = selectors.plan_vs_fact(actor=staff.head, plan=plan)
    assert _facts(head)["Sales"][:2] == (Decimal("900.00"), 3)
    assert _facts(head)["Hardware"][:2] == (Decimal("200.00"), 1)
    assert str(staff.manager3) not in _facts(head)
    assert set(_facts(selectors.plan_vs_fact(actor=staff.manager3, plan=plan))) == {
        str(staff.manager3),
        "Hardware",
    }


def test_plan_in_another_currency_is_converted(staff, shop):
    plan = march_plan(staff, shop, currency="USD")
    report = selectors.plan_vs_fact(actor=staff.director, plan=plan)
    facts = _facts(report)
    # EUR -> USD at the rate of 31 March 2025 (0.9 USD->EUR, the later 0.5 not yet valid).
    expected = convert(amount=Decimal("400.00"), currency="EUR", to="USD", on=dt.date(2025, 3, 31))
    assert expected == Decimal("444.44")
    assert facts[str(staff.manager1)][0] == expected
    assert facts["Sales"][0] == Decimal("1000.00")
    Currency.objects.create(code="GBP", name="Pound")
    orphan = march_plan(staff, shop, currency="GBP", name="No rate")
    with pytest.raises(ValidationError) as exc:
        selectors.plan_vs_fact(actor=staff.director, plan=orphan)
    assert "currency" in exc.value.message_dict


def test_plan_vs_fact_query_count_is_constant(staff, shop):
    plan = march_plan(staff, shop)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            selectors.plan_vs_fact(actor=staff.director, plan=plan)
        return len(ctx.captured_queries)

    before = count()
    more = ProductGroup.objects.create(name="More")
    SalesPlanLine.objects.create(plan=plan, product_group=more, amount=1)
    SalesPlanLine.objects.create(plan=plan, department=staff.service, amount=1)
    SalesPlanLine.objects.create(plan=plan, manager=staff.manager2, amount=1)
    SalesPlanLine.objects.create(plan=plan, client=ClientFactory(manager=staff.manager1), amount=1)
    assert count() <= before + 2  # one more tree read per department / group line at most
    pipeline, (lead, *_rest) = make_pipeline(name="Another")
    for _n in range(10):
        make_deal(pipeline, lead, staff.manager2, status=DealStatus.WON, closed_at=at(12))
    assert count() <= before + 2


def test_demo_plans(staff, shop):
    users = {"director": staff.director, "manager1": staff.manager1, "manager2": staff.manager2}
    create_demo_plans(users=users, clients=[])
    create_demo_plans(users=users, clients=[])  # twice: still one
    plan = SalesPlan.objects.get()
    assert plan.period == PlanPeriod.MONTH and plan.period_start.day == 1
    assert sorted(plan.lines.values_list("manager__username", flat=True)) == [
        "manager1",
        "manager2",
    ]


# --- API --------------------------------------------------------------------------------

ROLES = ["admin", "director", "head", "manager1", "manager3", "viewer", "viewer_sales"]


@pytest.mark.parametrize("role", ROLES)
def test_api_read_every_role(staff, shop, api, role):
    plan = march_plan(staff, shop)
    client = api(getattr(staff, role))
    listing = client.get("/api/v1/sales-plans/")
    assert listing.status_code == 200
    assert [p["id"] for p in listing.json()["results"]] == [str(plan.pk)]
    detail = client.get(f"/api/v1/sales-plans/{plan.pk}/").json()
    visible = selectors.plan_lines(actor=getattr(staff, role), plan=plan)
    assert sorted(line["id"] for line in detail["lines"]) == sorted(str(x.pk) for x in visible)
    assert detail["period_end"] == "2025-03-31"
    report = client.get(f"/api/v1/reports/plan-vs-fact/?plan={plan.pk}")
    assert report.status_code == 200
    assert len(report.json()["lines"]) == len(visible)


def test_api_plan_vs_fact_answer(staff, shop, api):
    plan = march_plan(staff, shop)
    data = api(staff.director).get(f"/api/v1/reports/plan-vs-fact/?plan={plan.pk}").json()
    assert data["period_start"] == "2025-03-01" and data["currency"] == "EUR"
    sales = next(line for line in data["lines"] if line["kind"] == "department")
    assert sales == {
        "line": sales["line"],
        "kind": "department",
        "target": str(staff.sales.pk),
        "target_name": "Sales",
        "plan_amount": "2000.00",
        "fact_amount": "900.00",
        "amount_percent": 45.0,
        "plan_count": 5,
        "fact_count": 3,
        "count_percent": 60.0,
    }
    client = api(staff.director)
    for query, code, field in [
        ("", 400, "plan"),
        ("?plan=nope", 400, "plan"),
        ("?plan=0190a0a0-0000-7000-8000-000000000000", 404, None),
    ]:
        answer = client.get(f"/api/v1/reports/plan-vs-fact/{query}")
        assert answer.status_code == code
        assert answer["Content-Type"].startswith("application/problem+json")
        if field:
            assert answer.json()["fields"] == [field]
    assert api().get(f"/api/v1/reports/plan-vs-fact/?plan={plan.pk}").status_code in (401, 403)


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("admin", 201),
        ("director", 201),
        ("head", 201),
        ("manager1", 403),
        ("viewer", 403),
        ("viewer_sales", 403),
    ],
)
def test_api_create_every_role(staff, shop, api, role, code):
    body = {
        "name": "Q2",
        "period": "quarter",
        "period_start": "2025-05-10",
        "currency": "EUR",
        "lines": [
            {"manager": str(staff.manager1.pk), "amount": "100.00", "count": 2},
            {"department": str(staff.sales.pk), "amount": "300.00"},
        ],
    }
    answer = api(getattr(staff, role)).post("/api/v1/sales-plans/", body, format="json")
    assert answer.status_code == code, answer.content
    if code == 201:
        data = answer.json()
        assert data["period_start"] == "2025-04-01" and len(data["lines"]) == 2
        assert answer["Location"].endswith(f"/api/v1/sales-plans/{data['id']}/")
    else:
        assert not SalesPlan.objects.exists()


def test_api_write_errors_and_rights(staff, shop, api):
    director, head = api(staff.director), api(staff.head)
    bad = director.post(
        "/api/v1/sales-plans/",
        {
            "name": "X",
            "period": "month",
            "period_start": "2025-03-01",
            "currency": "EUR",
            "lines": [
                {"manager": str(staff.manager1.pk), "amount": "1"},
                {"manager": str(staff.manager1.pk), "amount": "2"},
            ],
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["fields"] == ["lines"]
    assert "#2" in bad.json()["errors"][0]["message"]
    wide = head.post(
        "/api/v1/sales-plans/",
        {
            "name": "X",
            "period": "month",
            "period_start": "2025-03-01",
            "currency": "EUR",
            "lines": [{"manager": str(staff.manager3.pk), "amount": "1"}],
        },
        format="json",
    )
    assert wide.status_code == 400
    company = march_plan(staff, shop)
    url = f"/api/v1/sales-plans/{company.pk}/"
    assert head.patch(url, {"name": "Mine"}, format="json").status_code == 403
    assert head.delete(url).status_code == 403
    assert api(staff.manager1).patch(url, {"name": "Mine"}, format="json").status_code == 403
    assert api(staff.viewer).delete(url).status_code == 403
    company.refresh_from_db()
    assert company.name == "March" and company.deleted_at is None
    patched = director.patch(
        url,
        {"name": "March v2", "lines": [{"client": str(shop.c2.pk), "amount": "9"}]},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "March v2" and len(patched.json()["lines"]) == 1
    put = director.put(
        url,
        {"name": "Year", "period": "year", "period_start": "2025-06-01", "currency": "USD"},
        format="json",
    )
    assert put.status_code == 200 and put.json()["period_start"] == "2025-01-01"
    assert len(put.json()["lines"]) == 1  # no lines given: kept
    assert director.delete(url).status_code == 204
    assert director.get(url).status_code == 404
    assert (
        director.get("/api/v1/sales-plans/0190a0a0-0000-7000-8000-000000000000/").status_code == 404
    )


# --- pages ------------------------------------------------------------------------------


def test_plan_pages(staff, shop, client):
    plan = march_plan(staff, shop)
    client.force_login(staff.manager1)
    listing = client.get(reverse("sales_reports:plan_list")).content.decode()
    assert "March" in listing and "plan-new" not in listing
    detail = client.get(reverse("sales_reports:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="plan-chart"' in detail and "plan-edit" not in detail
    assert "Client Two" not in detail  # a line about a client manager1 does not see
    assert client.get(reverse("sales_reports:plan_create")).status_code == 403
    assert client.get(reverse("sales_reports:plan_edit", args=[plan.pk])).status_code == 403
    assert client.post(reverse("sales_reports:plan_delete", args=[plan.pk])).status_code == 403

    client.force_login(staff.director)
    detail = client.get(reverse("sales_reports:plan_detail", args=[plan.pk])).content.decode()
    assert "Client Two" in detail and "900.00" in detail and "45.0" in detail
    form = client.get(reverse("sales_reports:plan_create"))
    assert form.status_code == 200
    post = {
        "name": "April",
        "period": "month",
        "period_start": "2025-04-09",
        "currency": "EUR",
        "line_count": "3",
        "line-0-manager": str(staff.manager1.pk),
        "line-0-amount": "100",
        "line-0-count": "1",
        "line-1-manager": str(staff.manager1.pk),
        "line-1-amount": "200",
        "line-2-amount": "",
    }
    bad = client.post(reverse("sales_reports:plan_create"), post)
    assert bad.status_code == 422 and "#2:" in bad.content.decode()
    post["line-1-manager"] = ""
    post["line-1-department"] = str(staff.sales.pk)
    saved = client.post(reverse("sales_reports:plan_create"), post)
    april = SalesPlan.objects.get(name="April")
    assert saved.status_code == 302 and saved["Location"].endswith(f"/reports/plans/{april.pk}/")
    assert april.period_start == dt.date(2025, 4, 1) and april.lines.count() == 2
    more = client.post(reverse("sales_reports:plan_edit", args=[april.pk]), {**post, "more": "1"})
    assert more.content.decode().count('data-testid="plan-line"') == 8
    edit = client.get(reverse("sales_reports:plan_edit", args=[april.pk])).content.decode()
    assert edit.count('data-testid="plan-line"') == 5
    client.post(reverse("sales_reports:plan_delete", args=[april.pk]))
    assert client.get(reverse("sales_reports:plan_detail", args=[april.pk])).status_code == 404
