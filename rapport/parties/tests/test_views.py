"""Browser pages of the client base, through the Django test client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.parties import services, timeline
from rapport.parties.models import (
    Client,
    ClientRelation,
    ClientShare,
    ContactPerson,
    ContactPoint,
    RelationshipStatus,
    RelationType,
    SavedFilter,
    Source,
    StatusChange,
    Tag,
)
from rapport.parties.tests.factories import ClientFactory
from rapport.parties.views._common import PAGE_SIZE


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The staff fixture sets passwords; these tests log in with force_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LIST = "/clients/"


@pytest.fixture
def web(client):
    """The Django test client (named so as not to be confused with a CRM client)."""
    return client


def status(code):
    return RelationshipStatus.objects.get(code=code)


def make(staff, name, *, manager=None, **kwargs):
    return services.client_create(
        actor=staff.admin, name=name, manager=manager or staff.manager1, **kwargs
    )


def row_names(response):
    html = response.content.decode()
    return re.findall(r'data-testid="client-link">([^<]+)</a>', html)


def htmx(web, url, target="client-rows"):
    return web.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)


# --- list: search, filters, sort, pages --------------------------------------------------


def test_search_finds_phone_typed_another_way(staff, web):
    make(staff, "Romashka", phones=[{"value": "+7 495 123-45-67", "type": "work"}])
    make(staff, "Vector", phones=[{"value": "+7 495 765-43-21", "type": "work"}])
    web.force_login(staff.manager1)
    response = web.get(LIST, {"q": "8 (495) 123 45 67"})
    assert response.status_code == 200
    assert row_names(response) == ["Romashka"]


def test_search_as_you_type_answers_only_the_rows(staff, web):
    make(
        staff,
        "Romashka",
        emails=[{"value": "Info@Romashka.ru", "type": "work"}],
        tax_id="7707083893",
    )
    make(staff, "Vector")
    web.force_login(staff.manager1)
    fragment = htmx(web, f"{LIST}?q=info@romashka")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert row_names(fragment) == ["Romashka"]
    assert row_names(htmx(web, f"{LIST}?q=7707 083 893")) == ["Romashka"]
    assert row_names(htmx(web, f"{LIST}?q=vect")) == ["Vector"]
    assert "No clients found" in htmx(web, f"{LIST}?q=nothing-like-this").content.decode()


def test_filters_on_every_field(staff, web):
    wholesale = Tag.objects.create(name="Wholesale")
    fair = Source.objects.create(name="Fair")
    make(staff, "Alpha", status=status("active"), tags=[wholesale], source=fair)
    make(staff, "Beta", kind="person", status=status("lead"), is_confidential=True)
    make(staff, "Gamma", manager=staff.manager3, status=status("active"))
    web.force_login(staff.director)
    assert row_names(web.get(LIST, {"status": status("active").pk})) == ["Alpha", "Gamma"]
    assert row_names(web.get(LIST, {"manager": staff.manager3.pk})) == ["Gamma"]
    assert row_names(web.get(LIST, {"kind": "person"})) == ["Beta"]
    assert row_names(web.get(LIST, {"tag": wholesale.pk})) == ["Alpha"]
    assert row_names(web.get(LIST, {"source": fair.pk})) == ["Alpha"]
    assert row_names(web.get(LIST, {"department": staff.service.pk})) == ["Gamma"]
    assert row_names(web.get(LIST, {"confidential": "yes"})) == ["Beta"]
    assert row_names(
        web.get(
            LIST,
            {"confidential": "no", "status": status("active").pk, "manager": staff.manager1.pk},
        )
    ) == ["Alpha"]
    # garbage in a filter matches nothing rather than failing
    assert web.get(LIST, {"status": "not-a-uuid"}).status_code == 200
    assert row_names(web.get(LIST, {"status": "not-a-uuid"})) == []


def test_filter_on_user_defined_properties(staff, web):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="employees", label="Employees", type=PropertyType.NUMBER
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="industry",
        label="Industry",
        type=PropertyType.CHOICE,
        choices=["IT", "Retail"],
    )
    make(staff, "Small", properties={"employees": 10, "industry": "IT"})
    make(staff, "Big", properties={"employees": 5000, "industry": "IT"})
    make(staff, "Shop", properties={"employees": 300, "industry": "Retail"})
    web.force_login(staff.manager1)
    page = web.get(LIST)
    assert 'name="prop_employees__gte"' in page.content.decode()
    assert 'name="prop_industry"' in page.content.decode()
    assert row_names(web.get(LIST, {"prop_employees__gte": "100"})) == ["Big", "Shop"]
    assert row_names(
        web.get(LIST, {"prop_employees__gte": "100", "prop_employees__lte": "1000"})
    ) == ["Shop"]
    assert row_names(web.get(LIST, {"prop_industry": "IT"})) == ["Big", "Small"]
    assert row_names(web.get(LIST, {"prop_industry": "IT", "prop_employees__lte": "50"})) == [
        "Small"
    ]


def _walk(web, url, target="client-rows"):
    """Follow "Next page" links to the end; answer every row name seen, in order."""
    seen, pages = [], 0
    while url:
        response = web.get(url)
        assert response.status_code == 200
        seen += row_names(response)
        pages += 1
        match = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', response.content.decode())
        url = match.group(1).replace("&amp;", "&") if match else ""
        assert pages < 10
    return seen, pages


@pytest.mark.parametrize("sort", ["name", "-updated", "-created", "created"])
def test_keyset_pages_never_repeat_or_skip_rows(staff, web, sort):
    ClientFactory.create_batch(PAGE_SIZE + 23, manager=staff.manager1)
    # ties in the sort key must not lose or repeat rows
    Client.objects.update(updated_at=timezone.now() - timedelta(days=1))
    web.force_login(staff.manager1)
    seen, pages = _walk(web, f"{LIST}?sort={sort}")
    assert pages == 2
    assert len(seen) == PAGE_SIZE + 23
    assert len(set(seen)) == len(seen)
    assert set(seen) == set(Client.objects.values_list("name", flat=True))
    if sort == "name":
        assert seen == sorted(seen, key=str.casefold)


def test_next_page_keeps_filters_and_fragment_appends(staff, web):
    ClientFactory.create_batch(PAGE_SIZE + 5, manager=staff.manager1, status=status("active"))
    ClientFactory.create_batch(10, manager=staff.manager1, status=status("lead"))
    web.force_login(staff.manager1)
    seen, pages = _walk(web, f"{LIST}?status={status('active').pk}")
    assert (len(seen), pages) == (PAGE_SIZE + 5, 2)
    first = web.get(LIST, {"status": status("active").pk}).content.decode()
    next_url = re.search(r'hx-get="([^"]+)"[^>]*data-testid="next-page"', first).group(1)
    fragment = htmx(web, next_url.replace("&amp;", "&"), target="client-pager")
    assert "<html" not in fragment.content.decode()
    assert len(row_names(fragment)) == 5


def test_list_page_costs_a_fixed_number_of_queries(staff, web, django_assert_max_num_queries):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="employees", label="Employees", type=PropertyType.NUMBER
    )
    web.force_login(staff.manager1)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(LIST, {"q": "client"}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        make(staff, f"Client small {i}", phones=[{"value": f"+7 495 123-45-6{i}"}])
    small = count()
    for i in range(PAGE_SIZE + 10):
        make(
            staff,
            f"Client big {i}",
            phones=[{"value": f"+7 495 223-45-{10 + i}"}],
            emails=[{"value": f"c{i}@example.com"}],
            is_confidential=i % 3 == 0,
        )
    assert count() == small
    with django_assert_max_num_queries(16):
        web.get(LIST, {"q": "client"})
    with django_assert_max_num_queries(8):
        htmx(web, f"{LIST}?q=client")


def test_saved_filters_save_apply_delete(staff, web):
    web.force_login(staff.manager1)
    query = f"status={status('active').pk}&q=acme&cursor=abc"
    response = web.post(
        reverse("parties:saved_filter_save"), {"name": "Active Acme", "query": query}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=staff.manager1)
    assert saved.name == "Active Acme"
    assert "cursor" not in saved.query and "q=acme" in saved.query
    page = web.get(LIST).content.decode()
    assert "Active Acme" in page and f"?{saved.query}".replace("&", "&amp;") in page
    # another user neither sees nor deletes it
    web.force_login(staff.manager2)
    assert "Active Acme" not in web.get(LIST).content.decode()
    web.post(reverse("parties:saved_filter_delete", args=[saved.pk]))
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    web.force_login(staff.manager1)
    web.post(reverse("parties:saved_filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


# --- batch actions ---------------------------------------------------------------------


def batch(web, ids, action, **values):
    return web.post(
        reverse("parties:client_batch"),
        {"ids": [str(i) for i in ids], "action": action, "query": "q=x", **values},
        follow=True,
    )


def test_batch_assign_manager_status_tags_and_trash(staff, web):
    a, b, c = (make(staff, n, manager=staff.manager1) for n in ("A", "B", "C"))
    tag = Tag.objects.create(name="Key account")
    web.force_login(staff.head)
    response = batch(web, [a.pk, b.pk], "assign_manager", manager=staff.manager2.pk)
    assert "2 clients changed" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/clients/?q=x")
    assert set(Client.objects.filter(manager=staff.manager2).values_list("name", flat=True)) == {
        "A",
        "B",
    }
    batch(web, [a.pk, c.pk], "set_status", status=status("active").pk)
    assert set(Client.objects.filter(status__code="active").values_list("name", flat=True)) == {
        "A",
        "C",
    }
    assert StatusChange.objects.filter(client=c, new_status__code="active").exists()
    batch(web, [a.pk, b.pk, c.pk], "add_tag", tag=tag.pk)
    assert tag.clients.count() == 3
    batch(web, [b.pk], "remove_tag", tag=tag.pk)
    assert set(tag.clients.values_list("name", flat=True)) == {"A", "C"}
    response = batch(web, [c.pk], "trash")
    assert "1 client changed" in response.content.decode()
    assert Client.objects.get(pk=c.pk).deleted_at is not None


def test_batch_changes_only_clients_in_scope(staff, web):
    own = make(staff, "Own", manager=staff.manager1)
    foreign = make(staff, "Foreign", manager=staff.manager3)
    web.force_login(staff.manager1)
    response = batch(web, [own.pk, foreign.pk], "set_status", status=status("lost").pk)
    assert "1 client changed" in response.content.decode()
    assert Client.objects.get(pk=own.pk).status.code == "lost"
    assert Client.objects.get(pk=foreign.pk).status is None
    batch(web, [own.pk, foreign.pk], "trash")
    assert Client.objects.get(pk=foreign.pk).deleted_at is None
    assert Client.objects.get(pk=own.pk).deleted_at is not None


def test_batch_assign_manager_needs_the_right_to_assign(staff, web):
    own = make(staff, "Own", manager=staff.manager1)
    web.force_login(staff.manager1)
    assert 'value="assign_manager"' not in web.get(LIST).content.decode()
    response = web.post(
        reverse("parties:client_batch"),
        {"ids": [own.pk], "action": "assign_manager", "manager": staff.manager2.pk},
    )
    assert response.status_code == 403
    assert Client.objects.get(pk=own.pk).manager == staff.manager1


def test_batch_without_selection_or_value_says_so(staff, web):
    own = make(staff, "Own")
    web.force_login(staff.manager1)
    assert "Select clients first" in batch(web, [], "trash").content.decode()
    assert "Choose a status" in batch(web, [own.pk], "set_status").content.decode()
    assert Client.objects.get(pk=own.pk).deleted_at is None


# --- forms -----------------------------------------------------------------------------


def client_post(**overrides):
    data = {
        "kind": "company",
        "name": "Nordic Timber AB",
        "legal_name": "Nordic Timber Aktiebolag",
        "tax_id": "",
        "legal_form": "AB",
        "status": str(status("prospect").pk),
        "notes": "",
        "phones-value": ["+7 495 111-22-33", ""],
        "phones-type": ["work", "mobile"],
        "emails-value": ["sales@nordic.example"],
        "emails-type": ["work"],
        "websites-value": ["nordic.example"],
        "websites-type": ["work"],
        "messengers-value": [""],
        "messengers-type": ["other"],
        "addresses-type": ["legal"],
        "addresses-country": ["se"],
        "addresses-postal_code": [""],
        "addresses-region": [""],
        "addresses-city": ["Umeå"],
        "addresses-street": ["Storgatan 1"],
    }
    data.update(overrides)
    return data


def test_create_with_invalid_email_shows_the_error_and_saves_nothing(staff, web):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="employees", label="Employees", type=PropertyType.NUMBER
    )
    web.force_login(staff.manager1)
    response = web.post(
        reverse("parties:client_create"),
        client_post(
            **{"emails-value": ["ok@example.com", "not-an-email"], "emails-type": ["work", "work"]}
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-emails"' in html
    assert "not a valid e-mail address" in html
    assert "Nothing was saved" in html
    # what was typed is kept
    assert 'value="not-an-email"' in html and 'value="Nordic Timber AB"' in html
    assert not Client.objects.exists() and not ContactPoint.objects.exists()
    # errors from properties and the tax id go next to their fields
    response = web.post(reverse("parties:client_create"), client_post(prop_employees="many"))
    html = response.content.decode()
    assert 'data-testid="error-prop_employees"' in html and "Enter a number" in html
    response = web.post(reverse("parties:client_create"), client_post(tax_id="7707083890"))
    assert 'data-testid="error-tax_id"' in response.content.decode()
    response = web.post(reverse("parties:client_create"), client_post(name="  "))
    assert 'data-testid="error-name"' in response.content.decode()
    assert not Client.objects.exists()


def test_create_edit_and_history(staff, web):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT, code="employees", label="Employees", type=PropertyType.NUMBER
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="segments",
        label="Segments",
        type=PropertyType.MULTI_CHOICE,
        choices=["A", "B", "C"],
    )
    web.force_login(staff.manager1)
    response = web.post(
        reverse("parties:client_create"),
        client_post(prop_employees="120", prop_segments=["A", "C"]),
    )
    assert response.status_code == 302
    created = Client.objects.get()
    assert response["Location"] == reverse("parties:client_detail", args=[created.pk])
    assert created.manager == staff.manager1  # a manager's new client is theirs
    assert created.properties == {"employees": 120, "segments": ["A", "C"]}
    assert list(
        created.contact_points.filter(channel="phone").values_list("normalized", flat=True)
    ) == ["+74951112233"]
    assert created.addresses.get().city == "Umeå"
    card = web.get(response["Location"]).content.decode()
    for text in (
        "Nordic Timber AB",
        "+7 495 111-22-33",
        "sales@nordic.example",
        "Umeå",
        "Employees",
        "120",
        "A, C",
        "Prospect",
    ):
        assert text in card

    edit_url = reverse("parties:client_edit", args=[created.pk])
    form = web.get(edit_url).content.decode()
    assert 'value="+7 495 111-22-33"' in form and 'value="Storgatan 1"' in form
    response = web.post(
        edit_url,
        client_post(
            name="Nordic Timber Group",
            status=str(status("active").pk),
            **{
                "phones-value": ["+7 495 111-22-33", "+7 916 000-00-01"],
                "phones-type": ["work", "mobile"],
            },
            prop_employees="130",
            prop_segments=["B"],
        ),
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "Nordic Timber Group" and created.status.code == "active"
    assert created.properties == {"employees": 130, "segments": ["B"]}
    assert created.contact_points.filter(channel="phone").count() == 2

    history = web.get(reverse("parties:client_history", args=[created.pk])).content.decode()
    assert "Nordic Timber AB" in history and "Nordic Timber Group" in history
    assert "+7 916 000-00-01" in history
    card = web.get(reverse("parties:client_detail", args=[created.pk])).content.decode()
    assert card.count('data-testid="status-change"') == 2
    activity = web.get(reverse("parties:client_timeline", args=[created.pk])).content.decode()
    assert activity.count('data-kind="status"') == 2


def test_edit_with_errors_changes_nothing(staff, web):
    acme = make(staff, "Acme", emails=[{"value": "a@acme.example", "type": "work"}])
    web.force_login(staff.manager1)
    response = web.post(
        reverse("parties:client_edit", args=[acme.pk]),
        client_post(name="Acme Renamed", **{"emails-value": ["broken@"], "emails-type": ["work"]}),
    )
    assert response.status_code == 200
    assert "not a valid e-mail address" in response.content.decode()
    acme.refresh_from_db()
    assert acme.name == "Acme"
    assert list(acme.contact_points.values_list("value", flat=True)) == ["a@acme.example"]


def test_manager_field_only_for_those_who_may_assign(staff, web):
    web.force_login(staff.manager1)
    assert 'name="manager"' not in web.get(reverse("parties:client_create")).content.decode()
    web.force_login(staff.head)
    assert 'name="manager"' in web.get(reverse("parties:client_create")).content.decode()
    response = web.post(
        reverse("parties:client_create"), client_post(manager=str(staff.manager2.pk))
    )
    assert response.status_code == 302
    assert Client.objects.get().manager == staff.manager2


def test_duplicate_warning_lists_a_same_tax_id_client(staff, web):
    make(staff, "ООО «Ромашка»", tax_id="7707083893", phones=[{"value": "+7 495 500-00-00"}])
    make(staff, "Unrelated")
    web.force_login(staff.manager1)
    url = reverse("parties:client_duplicates")
    response = web.get(
        url, {"name": "Something else", "tax_id": "7707 083 893"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-testid="duplicate-warning"' in html
    assert "Ромашка" in html and "same tax id" in html and "Unrelated" not in html
    html = web.get(url, {"phones-value": ["8 495 500 00 00"]}).content.decode()
    assert "same phone" in html
    assert web.get(url, {"name": "Zzz"}).content.decode().strip() == ""
    # the new-client form asks for the warning as you type
    form = web.get(reverse("parties:client_create")).content.decode()
    assert f'hx-get="{url}"' in form and 'hx-trigger="input changed delay:400ms"' in form


def test_duplicate_warning_does_not_reveal_clients_out_of_scope(staff, web):
    make(staff, "Hidden", manager=staff.manager3, tax_id="7707083893")
    web.force_login(staff.manager1)
    html = web.get(reverse("parties:client_duplicates"), {"tax_id": "7707083893"}).content
    assert b"Hidden" not in html


# --- card: relations, sharing, trash, files, timeline ---------------------------------


def test_card_relations_add_and_remove(staff, web):
    acme = make(staff, "Acme")
    partner = make(staff, "Partner Co")
    foreign = make(staff, "Foreign", manager=staff.manager3)
    kind = RelationType.objects.get(name="Partner")
    web.force_login(staff.manager1)
    lookup = web.get(reverse("parties:client_lookup"), {"q": "co", "exclude": acme.pk}).json()
    assert [r["text"] for r in lookup["results"]] == ["Partner Co"]
    assert web.get(reverse("parties:client_lookup"), {"q": "foreign"}).json()["results"] == []
    url = reverse("parties:relation_add", args=[acme.pk])
    web.post(url, {"to_client": partner.pk, "type": kind.pk, "note": "since 2020"})
    relation = ClientRelation.objects.get()
    card = web.get(reverse("parties:client_detail", args=[acme.pk]) + "?tab=relations")
    assert "Partner Co" in card.content.decode() and "since 2020" in card.content.decode()
    # the other side shows the relation too
    assert "Acme" in web.get(reverse("parties:client_detail", args=[partner.pk])).content.decode()
    assert web.post(url, {"to_client": foreign.pk, "type": kind.pk}).status_code == 404
    web.post(reverse("parties:relation_remove", args=[acme.pk, relation.pk]))
    assert not ClientRelation.objects.exists()


def test_share_and_unshare(staff, web):
    acme = make(staff, "Acme")
    web.force_login(staff.manager1)
    web.post(reverse("parties:client_share", args=[acme.pk]), {"user": staff.manager2.pk})
    assert ClientShare.objects.filter(client=acme, user=staff.manager2).exists()
    web.force_login(staff.manager2)
    assert web.get(reverse("parties:client_detail", args=[acme.pk])).status_code == 200
    web.force_login(staff.manager1)
    web.post(reverse("parties:client_unshare", args=[acme.pk, staff.manager2.pk]))
    assert not ClientShare.objects.exists()


def test_move_to_trash_from_the_card(staff, web):
    acme = make(staff, "Acme")
    web.force_login(staff.manager1)
    card = web.get(reverse("parties:client_detail", args=[acme.pk])).content.decode()
    assert 'data-testid="client-trash"' in card and "data-confirm=" in card
    response = web.post(reverse("parties:client_trash", args=[acme.pk]))
    assert response.status_code == 302
    assert Client.objects.get(pk=acme.pk).deleted_at is not None
    assert web.get(reverse("parties:client_detail", args=[acme.pk])).status_code == 404
    assert row_names(web.get(LIST)) == []


def test_card_loads_the_files_panel_and_timeline_providers(staff, web):
    acme = make(staff, "Acme")
    web.force_login(staff.manager1)

    def provider(*, actor, client, limit):
        return [timeline.TimelineEntry(at=timezone.now(), kind="deal", title=f"Deal of {client}")]

    timeline.register(provider)
    try:
        card = web.get(reverse("parties:client_detail", args=[acme.pk])).content.decode()
        activity = web.get(reverse("parties:client_timeline", args=[acme.pk])).content.decode()
    finally:
        timeline.PROVIDERS.remove(provider)
    assert 'data-testid="client-timeline"' in card  # loaded when the card opens
    assert "Deal of Acme" in activity and 'data-kind="deal"' in activity
    assert 'data-testid="pane-files"' in card
    from django.urls import NoReverseMatch

    try:
        files_url = reverse("core:attachments", args=[1, acme.pk])
    except NoReverseMatch:  # the attachments panel is not installed yet
        return
    assert 'hx-trigger="load"' in card and files_url.rsplit("/", 3)[0] in card


def test_no_inline_scripts_or_handlers(staff, web):
    acme = make(staff, "Acme")
    web.force_login(staff.admin)
    for url in (
        LIST,
        reverse("parties:client_detail", args=[acme.pk]),
        reverse("parties:client_create"),
        reverse("parties:client_edit", args=[acme.pk]),
        "/contacts/",
        reverse("parties:contact_create"),
    ):
        html = web.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=", html), url


# --- contact persons -------------------------------------------------------------------


def test_contact_create_from_the_client_card_and_edit(staff, web):
    acme = make(staff, "Acme")
    other = make(staff, "Other")
    web.force_login(staff.manager1)
    form = web.get(reverse("parties:contact_create") + f"?client={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>Acme</option>' in form
    response = web.post(
        reverse("parties:contact_create") + f"?client={acme.pk}",
        {
            "last_name": "Sokolov",
            "first_name": "Ivan",
            "back_client": acme.pk,
            "roles-client": [acme.pk, other.pk],
            "roles-position": ["Director", "Adviser"],
            "roles-role": ["decides", ""],
            "phones-value": ["+48 600 100 200"],
            "phones-type": ["mobile"],
            "emails-value": ["ivan@example.com"],
            "emails-type": ["work"],
            "messengers-value": [""],
            "messengers-type": ["other"],
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clients/{acme.pk}/?tab=contacts")
    contact = ContactPerson.objects.get()
    assert {(r.client.name, r.position) for r in contact.roles.all()} == {
        ("Acme", "Director"),
        ("Other", "Adviser"),
    }
    card = web.get(reverse("parties:client_detail", args=[acme.pk])).content.decode()
    assert "Sokolov Ivan" in card and "Director" in card and "+48 600 100 200" in card

    listing = web.get("/contacts/", {"q": "+48 (600) 100-200"}).content.decode()
    assert "Sokolov Ivan" in listing
    assert "Sokolov" not in htmx(web, "/contacts/?q=zzz", target="contact-rows").content.decode()

    response = web.post(
        reverse("parties:contact_edit", args=[contact.pk]),
        {
            "last_name": "Sokolov",
            "first_name": "Ivan",
            "middle_name": "Petrovich",
            "roles-client": [acme.pk],
            "roles-position": ["CEO"],
            "roles-role": [""],
            "phones-value": ["+48 600 100 200"],
            "phones-type": ["mobile"],
            "emails-value": ["bad@"],
            "emails-type": ["work"],
        },
    )
    assert response.status_code == 200 and "not a valid e-mail" in response.content.decode()
    assert contact.roles.count() == 2
    web.post(
        reverse("parties:contact_edit", args=[contact.pk]),
        {
            "last_name": "Sokolov",
            "first_name": "Ivan",
            "middle_name": "Petrovich",
            "roles-client": [acme.pk],
            "roles-position": ["CEO"],
            "roles-role": [""],
            "phones-value": ["+48 600 100 200"],
            "phones-type": ["mobile"],
        },
    )
    contact.refresh_from_db()
    assert contact.middle_name == "Petrovich"
    assert [(r.client.name, r.position) for r in contact.roles.all()] == [("Acme", "CEO")]
    detail = web.get(reverse("parties:contact_detail", args=[contact.pk])).content.decode()
    assert "Petrovich" in detail and "CEO" in detail and 'data-testid="history-entry"' in detail


def test_contact_linked_to_an_invisible_client_is_refused(staff, web):
    foreign = make(staff, "Foreign", manager=staff.manager3)
    web.force_login(staff.manager1)
    response = web.post(
        reverse("parties:contact_create"),
        {
            "last_name": "Nobody",
            "roles-client": [foreign.pk],
            "roles-position": [""],
            "roles-role": [""],
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-clients"' in response.content.decode()
    assert not ContactPerson.objects.exists()
    assert web.get(reverse("parties:contact_create") + f"?client={foreign.pk}").status_code == 404


def test_contact_list_pages(staff, web):
    acme = make(staff, "Acme")
    for i in range(PAGE_SIZE + 3):
        services.contact_create(
            actor=staff.manager1, last_name=f"Person {i:03d}", roles=[{"client": acme}]
        )
    web.force_login(staff.manager1)
    first = web.get("/contacts/").content.decode()
    names = re.findall(r'data-testid="contact-link">([^<]+)</a>', first)
    assert len(names) == PAGE_SIZE
    next_url = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', first).group(1)
    second = web.get(next_url.replace("&amp;", "&")).content.decode()
    more = re.findall(r'data-testid="contact-link">([^<]+)</a>', second)
    assert len(more) == 3 and not set(more) & set(names)
