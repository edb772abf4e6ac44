"""API: /api/v1/document-templates/ and /api/v1/documents/ against every role."""

import io

import docx
import pytest
from django.urls import reverse

from rapport.documents import services
from rapport.documents.models import DocumentTemplate, GeneratedDocument

from .factories import DEFAULTS

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/document-templates/"
DOCUMENTS = "/api/v1/documents/"


def test_urls_are_mounted():
    assert reverse("api:document-list") == DOCUMENTS
    assert reverse("api:document-template-list") == TEMPLATES


def test_templates_list_for_everyone_upload_for_admins(api, staff, offer_template):
    for user in (staff.admin, staff.manager1, staff.viewer):
        response = api(user).get(TEMPLATES, {"target": "sales.deal"})
        assert response.status_code == 200
        [item] = response.json()["results"]
        assert item["name"] == "КП" and item["language"] == "ru" and item["version"] == 1
    assert api(staff.manager1).get(TEMPLATES, {"target": "billing.invoice"}).json()["results"] == []
    data = {"name": "Contract", "kind": "contract", "target": "sales.deal", "language": "en"}
    with (DEFAULTS / "contract.docx").open("rb") as handle:
        response = api(staff.manager1).post(TEMPLATES, {**data, "file": handle}, format="multipart")
    assert response.status_code == 403
    with (DEFAULTS / "contract.docx").open("rb") as handle:
        response = api(staff.admin).post(TEMPLATES, {**data, "file": handle}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Contract"
    response = api(staff.admin).post(
        TEMPLATES,
        {**data, "name": "Bad", "file": io.BytesIO(b"not a docx")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == ["file"]
    assert DocumentTemplate.objects.count() == 2


def test_generate_list_retrieve_download_by_role(api, staff, deal, offer_template):
    body = {"template": str(offer_template.pk), "target": "sales.deal", "object_id": str(deal.pk)}
    assert api(staff.manager2).post(DOCUMENTS, body).status_code == 404
    assert api(staff.manager3).post(DOCUMENTS, body).status_code == 404
    assert api(staff.viewer).post(DOCUMENTS, body).status_code == 403
    assert not GeneratedDocument.objects.exists()
    response = api(staff.manager1).post(DOCUMENTS, {**body, "number": "КП-17"})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["version"] == 1 and created["number"] == "КП-17"
    assert created["has_pdf"] is False and created["object_id"] == str(deal.pk)
    assert api(staff.head).post(DOCUMENTS, body).json()["version"] == 2
    query = {"target": "sales.deal", "object_id": str(deal.pk)}
    seen = {
        staff.manager1: 2,
        staff.head: 2,
        staff.director: 2,
        staff.admin: 2,
        staff.viewer: 2,
        staff.viewer_sales: 2,
        staff.manager2: 0,
        staff.manager3: 0,
    }
    detail = f"{DOCUMENTS}{created['id']}/"
    for user, count in seen.items():
        client = api(user)
        assert len(client.get(DOCUMENTS, query).json()["results"]) == count, user
        assert len(client.get(DOCUMENTS).json()["results"]) == count, user
        assert client.get(detail).status_code == (200 if count else 404), user
        download = client.get(f"{detail}docx/")
        assert download.status_code == (200 if count else 404), user
        if count:
            data = b"".join(download.streaming_content)
            assert (
                docx.Document(io.BytesIO(data))
                .tables[0]
                .rows[2]
                .cells[1]
                .text.startswith("Biurko źółć")
            )
        assert client.get(f"{detail}pdf/").status_code in ((200,) if count else (404,)), user
    response = api(staff.manager1).post(
        DOCUMENTS, {**body, "target": "sales.deal", "object_id": "not-a-uuid"}
    )
    assert response.status_code == 404


def test_generate_refuses_a_template_of_another_target(api, staff, deal, offer_template):
    DocumentTemplate.objects.filter(pk=offer_template.pk).update(target="billing.invoice")
    body = {"template": str(offer_template.pk), "target": "sales.deal", "object_id": str(deal.pk)}
    response = api(staff.manager1).post(DOCUMENTS, body)
    assert response.status_code == 400 and response.json()["fields"] == ["template"]


def test_send_defaults_to_the_contact_person(
    api, staff, deal, offer_template, mailoutbox, django_capture_on_commit_callbacks
):
    document = services.document_generate(
        actor=staff.manager1, template=offer_template, record=deal
    )
    url = f"{DOCUMENTS}{document.pk}/send/"
    assert api(staff.manager2).post(url, {"attach_pdf": False}).status_code == 404
    assert api(staff.viewer).post(url, {"attach_pdf": False}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(staff.manager1).post(url, {"subject": "Offer", "attach_pdf": False})
    assert response.status_code == 202, response.json()
    assert response.json()["sent_to"] == ["fedor@example.com"]
    assert [m.to for m in mailoutbox] == [["fedor@example.com"]]
    response = api(staff.manager1).post(url, {"to": ["nope"], "attach_pdf": False})
    assert response.status_code == 400 and response.json()["fields"] == ["to"]
