import datetime as dt

import pytest
from django.utils import timezone

from rapport.interactions import services
from rapport.parties import services as party_services
from rapport.parties import timeline
from rapport.parties.models import RelationshipStatus

from .conftest import itype

pytestmark = pytest.mark.django_db


def _all_pages(actor, client, size, kinds=None):
    seen, cursor, pages = [], "", 0
    while True:
        page = timeline.client_timeline_page(
            actor=actor, client=client, cursor=cursor, size=size, kinds=kinds
        )
        seen += page.entries
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor
        assert pages < 100


def test_pages_merge_providers_newest_first_without_gaps(world):
    staff = world["staff"]
    client = world["clients"]["m1"]
    base = timezone.now() - dt.timedelta(days=10)
    for i in range(23):
        services.interaction_create(
            actor=staff.manager1,
            client=client,
            type=itype(),
            subject=f"n{i}",
            date=base + dt.timedelta(hours=i),
        )
    # Several at the very same instant: the key orders them.
    same = base + dt.timedelta(hours=5, minutes=30)
    for i in range(4):
        services.interaction_create(
            actor=staff.manager1, client=client, type=itype(), subject=f"same{i}", date=same
        )
    for code in ("prospect", "active"):
        party_services.client_update(
            actor=staff.manager1, client=client, status=RelationshipStatus.objects.get(code=code)
        )
    entries, pages = _all_pages(staff.manager1, client, size=5)
    expected_interactions = 23 + 4 + 1  # + the world's call
    kinds = [e.kind for e in entries]
    assert kinds.count("interaction") == expected_interactions
    assert kinds.count("status") == client.status_changes.count() == 2
    assert len({e.key for e in entries}) == len(entries)  # nothing repeated
    keys = [e.sort_key for e in entries]
    assert keys == sorted(keys, reverse=True)
    assert pages == -(-len(entries) // 5)


def test_kind_filter_and_scope(world):
    staff = world["staff"]
    client = world["clients"]["m3"]
    only, _pages = _all_pages(staff.manager3, client, size=50, kinds=["interaction"])
    assert {e.kind for e in only} == {"interaction"} and len(only) == 2
    statuses, _pages = _all_pages(staff.manager3, client, size=50, kinds=["status"])
    assert {e.kind for e in statuses} <= {"status"}
    # manager1 took part in one of m3's interactions: the provider answers what a user sees.
    seen = timeline.client_timeline_page(actor=staff.manager1, client=client, size=50)
    assert [e.title for e in seen.entries if e.kind == "interaction"] == ["Meeting: Call m3_joined"]


def test_vip_text_hidden(world):
    staff = world["staff"]
    client = world["clients"]["vip"]
    masked = timeline.client_timeline_page(actor=staff.manager1, client=client).entries
    shown = timeline.client_timeline_page(actor=staff.manager2, client=client).entries
    assert [e.text for e in masked if e.kind == "interaction"] == [""]
    assert [e.text for e in shown if e.kind == "interaction"] == ["secret vip"]


def test_old_style_providers_still_work(world):
    client = world["clients"]["m1"]

    def provider(*, actor, client, limit):
        return [timeline.TimelineEntry(at=timezone.now(), kind="deal", title="Deal", key="d:1")]

    timeline.register(provider)
    try:
        page = timeline.client_timeline_page(actor=world["staff"].admin, client=client)
        legacy = timeline.client_timeline(actor=world["staff"].admin, client=client)
    finally:
        timeline.PROVIDERS.remove(provider)
    assert page.entries[0].title == "Deal"
    assert {e.kind for e in legacy} == {"deal", "interaction"}
