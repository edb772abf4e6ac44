"""Ids of merged records keep resolving: card pages and the API redirect to the survivor."""

import pytest
from django.urls import reverse

from rapport.parties import services
from rapport.parties.merge import merge_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(staff):
    survivor = services.client_create(actor=staff.manager1, name="Romashka LLC")
    gone = services.client_create(actor=staff.manager1, name="ООО Ромашка")
    merge_records(actor=staff.manager1, survivor=survivor, merged=[gone])
    return survivor, gone


def test_the_card_of_a_merged_client_redirects_to_the_survivor(client, staff, merged):
    survivor, gone = merged
    client.force_login(staff.manager1)
    response = client.get(reverse("parties:client_detail", args=[gone.pk]) + "?tab=files")
    assert response.status_code == 302
    assert response.url == reverse("parties:client_detail", args=[survivor.pk]) + "?tab=files"


def test_no_redirect_for_someone_who_cannot_see_the_survivor(client, staff, merged):
    _survivor, gone = merged
    client.force_login(staff.manager2)
    assert client.get(reverse("parties:client_detail", args=[gone.pk])).status_code == 404


def test_the_api_answers_a_permanent_redirect(api, staff, merged):
    survivor, gone = merged
    response = api(staff.manager1).get(f"/api/v1/clients/{gone.pk}/")
    assert response.status_code == 308
    assert response["Location"].endswith(f"/api/v1/clients/{survivor.pk}/")
    assert api(staff.manager2).get(f"/api/v1/clients/{gone.pk}/").status_code == 404


def test_a_merged_contact_person_redirects_too(client, api, staff):
    firm = services.client_create(actor=staff.manager1, name="Alpha")
    roles = [{"client": firm}]
    keep = services.contact_create(actor=staff.manager1, last_name="Ivanov", roles=roles)
    gone = services.contact_create(actor=staff.manager1, last_name="Иванов", roles=roles)
    merge_records(actor=staff.manager1, survivor=keep, merged=[gone])
    client.force_login(staff.manager1)
    response = client.get(reverse("parties:contact_detail", args=[gone.pk]))
    assert response.url == reverse("parties:contact_detail", args=[keep.pk])
    assert api(staff.manager1).get(f"/api/v1/contacts/{gone.pk}/").status_code == 308
