import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.interactions import selectors, services
from rapport.interactions.models import Interest
from rapport.parties import selectors as party_selectors
from rapport.parties.forms import client_filters
from rapport.parties.selectors import ClientFilters

from .conftest import itype

pytestmark = pytest.mark.django_db

ALL = {"m1", "m2_shared", "m2", "m3", "vip", "office", "m3_joined"}
SALES = {"m1", "m2_shared", "m2", "vip"}
VISIBLE = {
    "admin": ALL,
    "director": ALL,
    "head": SALES,
    "manager1": {"m1", "m2_shared", "vip", "m3_joined"},
    "manager2": {"m2_shared", "m2", "vip"},
    "manager3": {"m3", "m3_joined"},
    "viewer": ALL,
    "viewer_sales": SALES,
}


def names(qs):
    return {i.subject.removeprefix("Call ") for i in qs}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_scope(world, role):
    actor = getattr(world["staff"], role)
    assert names(selectors.interaction_list(actor=actor)) == VISIBLE[role]


def test_filters(world):
    staff = world["staff"]
    f = selectors.InteractionFilters
    clients = world["clients"]
    assert names(
        selectors.interaction_list(actor=staff.admin, filters=f(client=clients["m3"].pk))
    ) == {"m3", "m3_joined"}
    assert names(
        selectors.interaction_list(actor=staff.admin, filters=f(type=itype("meeting").pk))
    ) == {"m3_joined"}
    assert names(
        selectors.interaction_list(actor=staff.admin, filters=f(user=staff.manager1.pk))
    ) == {"m1", "m3_joined"}
    planned = services.interaction_create(
        actor=staff.manager1,
        client=clients["m1"],
        type=itype(),
        subject="Call later",
        planned=True,
        date=timezone.now() + dt.timedelta(days=3),
    )
    assert [
        i.pk for i in selectors.interaction_list(actor=staff.admin, filters=f(planned=True))
    ] == [planned.pk]
    assert planned.pk not in {
        i.pk for i in selectors.interaction_list(actor=staff.admin, filters=f(planned=False))
    }
    today = timezone.localdate()
    in_period = selectors.interaction_list(
        actor=staff.admin,
        filters=f(date_from=today + dt.timedelta(days=1), date_to=today + dt.timedelta(days=5)),
    )
    assert [i.pk for i in in_period] == [planned.pk]


def test_period_uses_the_users_days(world):
    staff = world["staff"]
    staff.manager1.time_zone = "Asia/Tokyo"  # UTC+9
    staff.manager1.save()
    item = services.interaction_create(
        actor=staff.manager1,
        client=world["clients"]["m1"],
        type=itype(),
        subject="Late",
        date=dt.datetime(2025, 3, 1, 20, 0, tzinfo=dt.UTC),  # 2 March, 05:00 in Tokyo
    )
    f = selectors.InteractionFilters
    day = dt.date(2025, 3, 2)
    assert item in selectors.interaction_list(
        actor=staff.manager1, filters=f(date_from=day, date_to=day)
    )
    assert item not in selectors.interaction_list(
        actor=staff.manager1, filters=f(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 1))
    )


def test_page_rows_mask_vip_details_in_constant_queries(world):
    staff = world["staff"]
    rows = list(selectors.interaction_list(actor=staff.manager1))
    with CaptureQueriesContext(connection) as ctx:
        selectors.interaction_page_rows(rows, actor=staff.manager1)
    assert len(ctx.captured_queries) <= 2
    masked = {r.subject for r in rows if not r.details_visible}
    assert masked == {"Call vip"}
    editable = {r.subject for r in rows if r.can_edit}
    assert editable == {"Call m1"}


def test_planned_vs_done(world):
    staff = world["staff"]
    client = world["clients"]["m1"]
    now = timezone.now()
    kwargs = {"actor": staff.manager1, "client": client, "type": itype(), "subject": "x"}
    done_plan = services.interaction_create(
        **kwargs, planned=True, date=now - dt.timedelta(hours=2)
    )
    services.interaction_complete(actor=staff.manager1, interaction=done_plan, result="ok")
    services.interaction_create(**kwargs, planned=True, date=now - dt.timedelta(hours=1))  # overdue
    services.interaction_create(**kwargs, planned=True, date=now + dt.timedelta(hours=1))
    today = timezone.localdate()
    rows = selectors.planned_vs_done(
        actor=staff.admin,
        date_from=today - dt.timedelta(days=2),
        date_to=today + dt.timedelta(days=1),
    )
    by = {r["manager_id"]: r for r in rows}
    m1 = by[staff.manager1.pk]
    # world: one logged call for manager1's client the day before.
    assert (m1["planned"], m1["completed"], m1["open"], m1["unplanned"], m1["done"]) == (
        3,
        1,
        2,
        1,
        2,
    )
    assert m1["overdue"] == 1 and m1["rate"] == 33
    scoped = selectors.planned_vs_done(
        actor=staff.manager3, date_from=today - dt.timedelta(days=2), date_to=today
    )
    assert {r["manager_id"] for r in scoped} == {staff.manager3.pk}


def test_client_list_interest_filter(world):
    staff = world["staff"]
    training = Interest.objects.get(name="Training")
    services.client_interest_add(
        actor=staff.admin, client=world["clients"]["m1"], interest=training
    )
    services.client_interest_add(
        actor=staff.admin,
        client=world["clients"]["m3"],
        interest=Interest.objects.get(name="Software"),
    )

    def listed(params, actor=staff.admin):
        from django.http import QueryDict

        filters = client_filters(QueryDict(params), {})
        return {c.name for c in party_selectors.client_list(actor=actor, filters=filters)}

    assert listed(f"interest={training.pk}") == {"World m1"}
    assert listed(f"interest={training.parent_id}") == {"World m1"}  # the group "Services"
    assert listed(f"interest={training.pk}", actor=staff.manager3) == set()
    assert listed("interest=garbage") == set()
    assert len(listed("")) == 6
    assert ClientFilters().extra == {}
