"""Selectors of the client base: filters, search, duplicates, history and counts, all
answered from the database and scoped to the acting user."""

import datetime as dt

import pytest

from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.parties import selectors, services
from rapport.parties.models import RelationshipStatus, RelationType
from rapport.parties.selectors import ClientFilters

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses():
    return {s.code: s for s in RelationshipStatus.objects.all()}


@pytest.fixture
def props():
    definitions = [
        ("note", PropertyType.TEXT, []),
        ("employees", PropertyType.NUMBER, []),
        ("founded", PropertyType.DATE, []),
        ("partner", PropertyType.BOOLEAN, []),
        ("industry", PropertyType.CHOICE, ["IT", "Retail", "Energy"]),
        ("channels", PropertyType.MULTI_CHOICE, ["Web", "Shop", "Phone"]),
    ]
    for position, (code, kind, choices) in enumerate(definitions):
        PropertyDefinition.objects.create(
            target=PropertyTarget.CLIENT,
            code=code,
            label=code,
            type=kind,
            choices=choices,
            position=position,
        )


def names(qs):
    return sorted(c.name for c in qs)


def listed(actor, **filters):
    return names(selectors.client_list(actor=actor, filters=ClientFilters(**filters)))


def create(actor, name, **kwargs):
    return services.client_create(actor=actor, name=name, **kwargs)


# --- client_list ----------------------------------------------------------------------


@pytest.fixture
def propertied(staff, props):
    create(
        staff.manager1,
        "Alpha",
        properties={
            "note": "Big Customer",
            "employees": 5,
            "founded": "2001-05-01",
            "partner": True,
            "industry": "IT",
            "channels": ["Web", "Shop"],
        },
    )
    create(
        staff.manager1,
        "Beta",
        properties={
            "note": "small one",
            "employees": 50,
            "founded": "2015-01-01",
            "partner": False,
            "industry": "Retail",
            "channels": ["Shop"],
        },
    )
    create(
        staff.manager1,
        "Gamma",
        properties={
            "employees": 500,
            "founded": "2020-12-31",
            "industry": "Energy",
            "channels": ["Phone"],
        },
    )
    create(staff.manager1, "Delta")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"prop_note": "customer"}, ["Alpha"]),  # text: part, any case
        ({"prop_employees__gte": "50"}, ["Beta", "Gamma"]),
        ({"prop_employees__lte": "50"}, ["Alpha", "Beta"]),
        ({"prop_employees__gte": "10", "prop_employees__lte": "100"}, ["Beta"]),
        ({"prop_employees": "500"}, ["Gamma"]),
        ({"prop_employees__gte": "abc"}, ["Alpha", "Beta", "Delta", "Gamma"]),  # ignored
        ({"prop_founded__gte": "2010-01-01"}, ["Beta", "Gamma"]),
        ({"prop_founded__gte": "2010-01-01", "prop_founded__lte": "2019-12-31"}, ["Beta"]),
        ({"prop_partner": "true"}, ["Alpha"]),
        ({"prop_partner": "no"}, ["Beta"]),
        ({"prop_industry": "Retail"}, ["Beta"]),
        ({"prop_channels": "Shop"}, ["Alpha", "Beta"]),
        ({"prop_channels": "Phone"}, ["Gamma"]),
        ({"prop_unknown": "x"}, ["Alpha", "Beta", "Delta", "Gamma"]),
    ],
)
def test_property_filters_of_every_type(staff, propertied, params, expected):
    assert listed(staff.manager1, properties=params) == expected


def test_client_list_filters_by_manager_status_kind_tag_and_department(staff, statuses):
    from rapport.parties.models import Tag

    tag = Tag.objects.create(name="Wholesale")
    create(staff.manager1, "A", status=statuses["lead"], tags=[tag])
    create(staff.manager2, "B", status=statuses["active"], kind="person")
    create(staff.manager3, "C", status=statuses["active"])
    director = staff.director
    assert listed(director, manager=staff.manager2.pk) == ["B"]
    assert listed(director, status=statuses["active"].pk) == ["B", "C"]
    assert listed(director, kind="person") == ["B"]
    assert listed(director, tag=tag.pk) == ["A"]
    assert listed(director, department=staff.service.pk) == ["C"]
    assert listed(director, manager=staff.manager1.pk, status=statuses["active"].pk) == []
    # Scope first: a manager's filter on someone else's clients finds nothing.
    assert listed(staff.manager1, manager=staff.manager2.pk) == []
    assert listed(staff.head) == ["A", "B"]


@pytest.fixture
def searchable(staff):
    create(
        staff.manager1,
        "ООО «Ромашка»",
        tax_id="7707083893",
        phones=[{"value": "+7 (495) 123-45-67"}],
        emails=[{"value": "Info@Romashka.ru"}],
    )
    create(
        staff.manager1,
        "Kowalski i Synowie Sp. z o.o.",
        tax_id="526-025-09-95",
        phones=[{"value": "+48 601 234 567"}],
        emails=[{"value": "biuro@kowalski.pl"}],
    )
    create(staff.manager2, "Ромашка-Трейд")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ромаш", ["ООО «Ромашка»"]),  # name part, any case
        ("РОМАШКА", ["ООО «Ромашка»"]),
        ("synowie", ["Kowalski i Synowie Sp. z o.o."]),
        ("7707", ["ООО «Ромашка»"]),  # tax id prefix
        ("770708", ["ООО «Ромашка»"]),
        ("7707083", ["ООО «Ромашка»"]),  # also a possible phone number: both are searched
        ("77070838", ["ООО «Ромашка»"]),
        ("5260250995", ["Kowalski i Synowie Sp. z o.o."]),  # whole NIP
        ("8 495 1234567", ["ООО «Ромашка»"]),  # phone in another format
        ("+74951234567", ["ООО «Ромашка»"]),
        ("+48-601-234-567", ["Kowalski i Synowie Sp. z o.o."]),
        ("info@romashka", ["ООО «Ромашка»"]),  # e-mail start, any case
        ("BIURO@KOWALSKI.PL", ["Kowalski i Synowie Sp. z o.o."]),
        ("nothing like it", []),
    ],
)
def test_search_by_name_tax_id_phone_and_email(staff, searchable, text, expected):
    assert listed(staff.manager1, search=text) == expected


def test_search_stays_within_scope(staff, searchable):
    assert listed(staff.manager1, search="ромашка") == ["ООО «Ромашка»"]
    assert listed(staff.director, search="ромашка") == ["ООО «Ромашка»", "Ромашка-Трейд"]
    assert listed(staff.manager3, search="ромашка") == []


def test_client_list_of_the_trash(staff):
    client = create(staff.manager1, "Gone")
    create(staff.manager1, "Here")
    services.client_trash(actor=staff.manager1, client=client)
    assert names(selectors.client_list(actor=staff.manager1)) == ["Here"]
    assert names(selectors.client_list(actor=staff.manager1, trashed=True)) == ["Gone"]
    assert names(selectors.client_list(actor=staff.manager2, trashed=True)) == []


# --- duplicates -----------------------------------------------------------------------


@pytest.fixture
def existing(staff):
    return create(
        staff.manager1,
        "ООО «Ромашка»",
        tax_id="7707083893",
        phones=[{"value": "+7 495 123-45-67"}],
        emails=[{"value": "info@romashka.ru"}],
    )


def reasons(actor, **kwargs):
    return {c.client.name: c.reasons for c in selectors.likely_duplicates(actor=actor, **kwargs)}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"tax_id": "77 07 08 38 93"}, "same tax id"),
        ({"phones": ["8 (495) 1234567"]}, "same phone"),
        ({"emails": ["INFO@Romashka.RU"]}, "same e-mail"),
        ({"name": "Ромашка ООО"}, "similar name"),
        ({"name": "ооо ромашка"}, "similar name"),
        ({"name": "OOO Ромашка"[4:]}, "similar name"),  # "Ромашка" without a legal form
    ],
)
def test_likely_duplicates_by_each_key(staff, existing, kwargs, reason):
    assert reasons(staff.manager1, **kwargs) == {"ООО «Ромашка»": [reason]}


def test_likely_duplicates_combine_reasons_and_ignore_unfinished_input(staff, existing):
    found = selectors.likely_duplicates(
        actor=staff.manager1,
        name="Ромашка ООО",
        tax_id="7707083893",
        emails=["info@", "info@romashka.ru"],
        phones=["12"],
    )
    assert len(found) == 1
    assert set(found[0].reasons) == {"same tax id", "same e-mail", "similar name"}
    assert found[0].score == 100


def test_likely_duplicates_only_among_visible_clients_and_not_itself(staff, existing):
    assert reasons(staff.manager2, tax_id="7707083893", name="Ромашка") == {}
    assert reasons(staff.manager1, tax_id="7707083893", exclude=existing.pk) == {}
    assert reasons(staff.manager1, name="Рога и копыта") == {}


# --- history --------------------------------------------------------------------------


def test_client_history_shows_who_when_and_old_to_new(staff, statuses):
    client = create(
        staff.manager1, "Alpha", status=statuses["lead"], phones=[{"value": "+7 495 123-45-67"}]
    )
    services.client_update(
        actor=staff.head,
        client=client,
        name="Alpha Plus",
        status=statuses["active"],
        phones=[{"value": "+7 495 765-43-21"}],
    )
    entries = selectors.client_history(actor=staff.manager1, client=client)
    changed = [e for e in entries if e.action == "changed" and not e.subject]
    assert len(changed) == 1
    assert changed[0].user == staff.head
    assert ("name", "Alpha", "Alpha Plus") in changed[0].changes
    assert ("relationship status", "Lead", "Active client") in changed[0].changes
    created = [e for e in entries if e.action == "created" and not e.subject]
    assert [e.user for e in created] == [staff.manager1]
    subjects = {(e.action, e.subject) for e in entries if e.subject}
    assert ("deleted", "Phone: +7 495 123-45-67") in subjects
    assert ("created", "Phone: +7 495 765-43-21") in subjects
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_client_history_hides_contact_details_of_a_vip_client(staff, props):
    client = create(
        staff.manager1,
        "VIP",
        is_confidential=True,
        phones=[{"value": "+7 495 123-45-67"}],
        properties={"note": "secret"},
    )
    services.client_update(
        actor=staff.manager1,
        client=client,
        name="VIP Ltd",
        phones=[{"value": "+7 495 765-43-21"}],
        properties={"note": "other"},
    )

    def shown(actor):
        entries = selectors.client_history(actor=actor, client=client)
        return (
            {e.subject for e in entries if e.subject},
            {change[0] for e in entries for change in e.changes},
        )

    # The head of department sees the client but not its contact details.
    subjects, fields = shown(staff.head)
    assert subjects == set()
    assert "name" in fields and "properties" not in fields
    for allowed in (staff.manager1, staff.director):
        subjects, fields = shown(allowed)
        assert "Phone: +7 495 765-43-21" in subjects
        assert "properties" in fields


# --- relations, dashboard -------------------------------------------------------------


def test_client_relations_show_only_visible_other_sides(staff):
    parent_type = RelationType.objects.get(name="Parent company")
    mine = create(staff.manager1, "Mine")
    other_mine = create(staff.manager1, "Mine too")
    theirs = create(staff.manager3, "Theirs")
    services.relation_add(
        actor=staff.manager1, from_client=mine, to_client=other_mine, type=parent_type
    )
    services.relation_add(
        actor=staff.director, from_client=theirs, to_client=mine, type=parent_type
    )
    rows = selectors.client_relations(actor=staff.manager1, client=mine)
    assert [(r["label"], r["other"].name) for r in rows] == [("Parent company", "Mine too")]
    rows = selectors.client_relations(actor=staff.director, client=mine)
    assert sorted((r["label"], r["other"].name) for r in rows) == [
        ("Parent company", "Mine too"),
        ("Subsidiary", "Theirs"),
    ]
    services.client_trash(actor=staff.manager1, client=other_mine)
    assert selectors.client_relations(actor=staff.manager1, client=mine) == []


def test_dashboard_counts_are_scoped(staff, statuses):
    for manager, code in (
        (staff.manager1, "lead"),
        (staff.manager1, "lead"),
        (staff.manager1, "active"),
        (staff.manager2, "active"),
        (staff.manager3, "lost"),
    ):
        create(manager, f"{manager.username} {code}", status=statuses[code])

    def counts(actor):
        return {r["status"]: r["count"] for r in selectors.dashboard_status_counts(actor=actor)}

    assert counts(staff.manager1) == {"Lead": 2, "Active client": 1}
    assert counts(staff.manager3) == {"Lost": 1}
    assert counts(staff.director) == {"Lead": 2, "Active client": 2, "Lost": 1}
    assert counts(staff.viewer_sales) == {"Lead": 2, "Active client": 2}


def test_recently_changed_clients_are_scoped_and_newest_first(staff):
    first = create(staff.manager1, "First")
    create(staff.manager1, "Second")
    create(staff.manager2, "Other")
    services.client_update(actor=staff.manager1, client=first, notes="touched")
    rows = list(selectors.recently_changed_clients(actor=staff.manager1))
    assert [c.name for c in rows] == ["First", "Second"]
    assert rows[0].updated_at >= rows[1].updated_at
    assert rows[0].updated_at <= dt.datetime.now(dt.UTC)
