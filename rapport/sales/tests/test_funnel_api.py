"""The funnel API and page for every role, bad parameters, and the browser test."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.sales.models import Pipeline
from rapport.sales.selectors import funnel as selectors

from .test_funnel import world  # noqa: F401  (fixture)

ROLES = {
    "admin": (4, 2, 2),
    "director": (4, 2, 2),
    "head": (3, 1, 2),
    "manager1": (3, 1, 2),
    "manager2": (0, 0, 0),
    "manager3": (1, 1, 0),
    "viewer": (4, 2, 2),
    "viewer_sales": (3, 1, 2),
}
PERIOD = "date_from=2025-01-01&date_to=2025-12-31"


@pytest.mark.parametrize("role", ROLES)
def test_funnel_api_every_role(staff, world, api, role):  # noqa: F811
    pipeline, stages = world
    answer = api(getattr(staff, role)).get(
        f"/api/v1/reports/funnel/?pipeline={pipeline.pk}&{PERIOD}"
    )
    assert answer.status_code == 200
    data = answer.json()
    open_count, won, lost = ROLES[role]
    assert sum(s["open_count"] for s in data["stages"]) == open_count
    assert (data["won"], data["lost"]) == (won, lost)
    assert data["pipeline"] == str(pipeline.pk)
    assert [s["stage"] for s in data["stages"]] == [str(s.pk) for s in stages]


def test_funnel_api_answer(staff, world, api):  # noqa: F811
    pipeline, (lead, _proposal, _contract) = world
    data = (
        api(staff.director).get(f"/api/v1/reports/funnel/?pipeline={pipeline.pk}&{PERIOD}").json()
    )
    assert data["stages"][0] == {
        "stage": str(lead.pk),
        "name": "Lead",
        "position": 0,
        "open_count": 2,
        "open_amount": "400.00",
        "weighted_amount": "40.00",
        "reached": 4,
        "conversion_to_next": 0.75,
        "conversion_to_won": 0.5,
        "avg_days_in_stage": 4.0,
    }
    assert data["stages"][2]["conversion_to_next"] is None
    assert (data["won"], data["lost"]) == (2, 2)
    assert {"pipeline", "stages", "won", "lost"} <= set(data)
    mine = (
        api(staff.director)
        .get(f"/api/v1/reports/funnel/?pipeline={pipeline.pk}&{PERIOD}&manager={staff.manager3.pk}")
        .json()
    )
    assert [s["open_count"] for s in mine["stages"]] == [0, 1, 0]
    assert mine["manager"] == str(staff.manager3.pk)


def test_funnel_api_default_pipeline_and_errors(staff, world, api):  # noqa: F811
    pipeline, _stages = world
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    client = api(staff.manager1)
    assert client.get("/api/v1/reports/funnel/").json()["pipeline"] == str(pipeline.pk)
    for query, field in [
        ("pipeline=12", "pipeline"),
        ("pipeline=0190a0a0-0000-7000-8000-000000000000", "pipeline"),
        ("date_from=2025-13-01", "date_from"),
        ("date_from=2025-05-01&date_to=2025-04-01", "date_to"),
        ("manager=bob", "manager"),
        ("department=0190a0a0-0000-7000-8000-000000000000", "department"),
        ("product_group=x", "product_group"),
        ("category=x", "category"),
    ]:
        answer = client.get(f"/api/v1/reports/funnel/?{query}")
        assert answer.status_code == 400, query
        assert answer["Content-Type"].startswith("application/problem+json")
        assert answer.json()["fields"] == [field], query
    assert api().get("/api/v1/reports/funnel/").status_code in (401, 403)


@pytest.mark.parametrize("role", ROLES)
def test_funnel_page_every_role(staff, world, client, role):  # noqa: F811
    pipeline, _stages = world
    client.force_login(getattr(staff, role))
    url = reverse("sales_reports:funnel")
    html = client.get(f"{url}?pipeline={pipeline.pk}&{PERIOD}").content.decode()
    assert 'data-testid="funnel-chart"' in html and "funnel-chart-data" in html
    open_count, won, lost = ROLES[role]
    assert f'data-col="total_open">{open_count}<' in html
    closed = client.get(f"{url}?pipeline={pipeline.pk}&{PERIOD}&view=closed").content.decode()
    assert f"Won: {won}, lost: {lost}" in closed


def test_funnel_page_drill_down_and_bad_input(staff, world, client):  # noqa: F811
    pipeline, (lead, *_rest) = world
    client.force_login(staff.director)
    url = reverse("sales_reports:funnel")
    html = client.get(f"{url}?pipeline={pipeline.pk}&manager={staff.manager1.pk}").content.decode()
    assert f"/sales/deals/?pipeline={pipeline.pk}&amp;stage={lead.pk}&amp;status=open" in html
    assert f"manager={staff.manager1.pk}" in html
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    bad = client.get(f"{url}?pipeline=nope&date_from=never")
    assert bad.status_code == 200
    text = bad.content.decode()
    assert 'data-testid="funnel-errors"' in text and "never" in text
    assert 'data-testid="funnel-table"' in text  # falls back to the default pipeline
    Pipeline.objects.all().update(is_active=False)
    client.logout()
    assert client.get(url).status_code == 302  # login required


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_director_sees_the_funnel(staff, page, login):
    from .test_funnel import make_deal, make_pipeline

    pipeline, (lead, proposal, _contract) = make_pipeline(is_default=True)
    for _n in range(3):
        make_deal(pipeline, lead, staff.manager1)
    make_deal(pipeline, proposal, staff.manager2, amount="250.00")
    login("director")
    page.goto("/reports/funnel/")
    canvas = page.locator("canvas[data-testid=funnel-chart]")
    canvas.wait_for()
    page.wait_for_function("document.querySelector('#funnel-chart').dataset.bound === '1'")
    assert canvas.bounding_box()["height"] > 50
    rows = page.locator("[data-testid=funnel-row]")
    assert rows.count() == 3
    assert page.locator("[data-stage=Lead] [data-col=open_count]").inner_text() == "3"
    assert page.locator("[data-stage=Proposal] [data-col=open_amount]").inner_text() == "250.00"
    assert page.locator("[data-col=total_open]").inner_text() == "4"
    page.click("text=Closed in the period")
    page.wait_for_selector("[data-testid=funnel-table][data-mode=closed]")
    assert page.console_errors == []


@pytest.mark.parametrize("view", ["open", "closed"])
def test_every_drill_down_lists_the_deals_the_funnel_counts(staff, world, client, view):  # noqa: F811
    import re
    from html import unescape

    pipeline, stages = world
    client.force_login(staff.director)
    url = reverse("sales_reports:funnel")
    html = client.get(f"{url}?pipeline={pipeline.pk}&{PERIOD}&view={view}").content.decode()
    links = [unescape(u) for u in re.findall(r'<a href="([^"]+)" data-testid="funnel-drill"', html)]
    figures = selectors.funnel(
        actor=staff.director,
        filters=selectors.funnel_filters(
            params={
                "pipeline": str(pipeline.pk),
                "date_from": "2025-01-01",
                "date_to": "2025-12-31",
            }
        ),
    )
    assert len(links) == len(stages) == len(figures.stages)
    for link, row in zip(links, figures.stages, strict=True):
        listed = client.get(link).content.decode().count('data-testid="deal-row"')
        assert listed == (row.open_count if view == "open" else row.reached), link
