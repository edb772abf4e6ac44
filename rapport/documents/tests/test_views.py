"""Pages: the templates page, the documents panel of a record, generate, download and send,
against every role (a deal outside the user's scope answers 404)."""

import io

import docx
import pytest
from django.urls import reverse

from rapport.documents import services
from rapport.documents.models import DocumentTemplate, GeneratedDocument

from .factories import DEFAULTS

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _login(client, user):
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_templates_page_everyone_reads_admins_write(client, staff, offer_template):
    for user in (staff.manager1, staff.viewer, staff.admin):
        response = _login(client, user).get(reverse("documents:templates"))
        assert response.status_code == 200
        assert "КП" in response.text
        assert "client.name" in response.text  # the placeholder reference
        assert ('data-testid="template-upload-form"' in response.text) == (user == staff.admin)
    _login(client, staff.manager1)
    with (DEFAULTS / "contract.docx").open("rb") as handle:
        response = client.post(
            reverse("documents:template_upload"),
            {
                "name": "X",
                "target": "sales.deal",
                "kind": "offer",
                "language": "en",
                "file": handle,
            },
        )
    assert response.status_code == 404
    response = client.post(reverse("documents:template_active", args=[offer_template.pk]))
    assert response.status_code == 404
    assert DocumentTemplate.objects.count() == 1


def test_admin_uploads_and_sees_a_broken_template_explained(client, staff, media):
    _login(client, staff.admin)
    with (DEFAULTS / "contract.docx").open("rb") as handle:
        response = client.post(
            reverse("documents:template_upload"),
            {
                "name": "Contract",
                "target": "sales.deal",
                "kind": "contract",
                "language": "en",
                "file": handle,
            },
        )
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(name="Contract")
    assert template.created_by == staff.admin and template.version == 1
    bad = docx.Document()
    bad.add_paragraph("{% for l in lines %}never closed")
    buffer = io.BytesIO()
    bad.save(buffer)
    buffer.name = "broken.docx"
    buffer.seek(0)
    response = client.post(
        reverse("documents:template_upload"),
        {
            "name": "Broken",
            "target": "sales.deal",
            "kind": "offer",
            "language": "en",
            "file": buffer,
        },
    )
    assert response.status_code == 422
    assert "broken.docx: Template error" in response.text
    assert not DocumentTemplate.objects.filter(name="Broken").exists()
    response = client.post(
        reverse("documents:template_active", args=[template.pk]), {"active": "0"}
    )
    template.refresh_from_db()
    assert response.status_code == 302 and not template.is_active


def test_template_download_and_try_it(client, staff, offer_template):
    _login(client, staff.manager1)
    response = client.get(reverse("documents:template_download", args=[offer_template.pk]))
    assert response.status_code == 200 and _body(response).startswith(b"PK")
    response = client.get(reverse("documents:template_try", args=[offer_template.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    doc = docx.Document(io.BytesIO(response.content))
    assert doc.tables[0].rows[1].cells[1].text.startswith("Office chair Ergo 300")


def test_record_panel_generate_and_download(client, staff, deal, offer_template):
    url = reverse("documents:record", args=["sales.deal", deal.pk])
    _login(client, staff.manager1)
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="generate-form"' in response.text
    assert 'data-testid="no-documents"' in response.text
    response = client.post(
        reverse("documents:generate", args=["sales.deal", deal.pk]),
        {"template": offer_template.pk, "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    document = GeneratedDocument.objects.get()
    response = client.get(url)
    assert "v1" in response.text and reverse("documents:docx", args=[document.pk]) in response.text
    response = client.get(reverse("documents:docx", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert "attachment" in response["Content-Disposition"]
    assert docx.Document(io.BytesIO(_body(response))).tables[0].rows[1].cells[1].text == (
        "Кресло «Ёж» Łódź"
    )


def test_outside_scope_is_404_and_changes_nothing(client, staff, deal, offer_template):
    document = services.document_generate(
        actor=staff.manager1, template=offer_template, record=deal
    )
    expectations = {
        # user: (sees the deal's documents, may generate)
        staff.manager1: (True, True),
        staff.manager2: (False, False),
        staff.manager3: (False, False),
        staff.head: (True, True),
        staff.director: (True, True),
        staff.admin: (True, True),
        staff.viewer: (True, False),
        staff.viewer_sales: (True, False),
    }
    for user, (sees, generates) in expectations.items():
        _login(client, user)
        record = client.get(reverse("documents:record", args=["sales.deal", deal.pk]))
        download = client.get(reverse("documents:docx", args=[document.pk]))
        send = client.get(reverse("documents:send", args=[document.pk]))
        assert record.status_code == (200 if sees else 404), user
        assert download.status_code == (200 if sees else 404), user
        assert send.status_code == (200 if sees else 404), user
        if sees:
            assert ('data-testid="generate-form"' in record.text) == generates, user
        before = GeneratedDocument.objects.count()
        response = client.post(
            reverse("documents:generate", args=["sales.deal", deal.pk]),
            {"template": offer_template.pk},
        )
        assert response.status_code == (302 if generates else 404), user
        assert GeneratedDocument.objects.count() == before + (1 if generates else 0), user
    _login(client, staff.manager1)
    assert client.get(reverse("documents:record", args=["nope.model", deal.pk])).status_code == 404
    assert client.get(reverse("documents:record", args=["sales.deal", "x"])).status_code == 404


def test_send_page_prefills_the_contact_and_sends(
    client, staff, deal, offer_template, mailoutbox, django_capture_on_commit_callbacks
):
    document = services.document_generate(
        actor=staff.manager1, template=offer_template, record=deal
    )
    _login(client, staff.manager1)
    url = reverse("documents:send", args=[document.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'value="fedor@example.com"' in response.text
    response = client.post(url, {"to": "bad", "subject": "S", "attach_docx": "on"})
    assert response.status_code == 422 and "“bad” is not a valid e-mail address." in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"to": "fedor@example.com", "subject": "Offer", "message": "Hi", "attach_docx": "on"},
        )
    assert response.status_code == 302
    assert [m.subject for m in mailoutbox] == ["Offer"]
    document.refresh_from_db()
    assert document.sent_to == ["fedor@example.com"]
