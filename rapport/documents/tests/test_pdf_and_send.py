"""PDF through LibreOffice and sending by e-mail through a real SMTP server (aiosmtpd)."""

import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.core.models import AuditLog
from rapport.core.tests.test_reminders_delivery import Inbox, free_port
from rapport.documents import rendering, selectors, services

pytestmark = pytest.mark.django_db

needs_soffice = pytest.mark.skipif(
    rendering.soffice_path() is None, reason="LibreOffice (soffice) is not installed"
)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def document(staff, deal, offer_template):
    return services.document_generate(actor=staff.manager1, template=offer_template, record=deal)


@needs_soffice
def test_pdf_is_a_real_pdf_with_the_cyrillic_text(staff, document, tmp_path):
    document = services.document_pdf(actor=staff.manager1, document=document)
    with document.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    assert document.pdf.name.endswith(".pdf")
    if shutil.which("pdftotext"):
        path = tmp_path / "out.pdf"
        path.write_bytes(data)
        text = subprocess.run(  # noqa: S603
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "Коммерческое предложение" in text
        assert "Одна тысяча двести тридцать четыре рубля 56 копеек" in text
    # Asked again: the stored PDF, no second conversion.
    name = document.pdf.name
    assert services.document_pdf(actor=staff.manager1, document=document).pdf.name == name


def test_missing_libreoffice_is_a_clear_error(staff, document, monkeypatch):
    monkeypatch.setenv("RAPPORT_SOFFICE", "")
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    with pytest.raises(ValidationError) as exc:
        services.document_pdf(actor=staff.manager1, document=document)
    assert exc.value.message_dict["pdf"] == [
        "PDF needs LibreOffice (Debian package libreoffice-writer-nogui)."
    ]
    document.refresh_from_db()
    assert not document.pdf


@needs_soffice
def test_parallel_conversions_do_not_clash():
    from concurrent.futures import ThreadPoolExecutor

    from .factories import DEFAULTS

    data = (DEFAULTS / "contract.docx").read_bytes()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: rendering.docx_to_pdf(data), range(2)))
    assert all(pdf.startswith(b"%PDF") for pdf in results)


@needs_soffice
def test_send_through_smtp_with_both_attachments(
    staff, document, smtp, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    staff.manager1.email = "manager1@example.com"
    staff.manager1.save()
    assert selectors.document_default_recipients(actor=staff.manager1, document=document) == [
        "fedor@example.com"
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sent = services.document_send(
            actor=staff.manager1,
            document=document,
            to=["fedor@example.com"],
            subject="Коммерческое предложение",
            message="Добрый день! Предложение во вложении.",
        )
        assert smtp.messages == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    [message] = smtp.wait(1, timeout=10)
    assert message["Subject"].strip() == "Коммерческое предложение"
    assert message["To"] == "fedor@example.com"
    assert message["Reply-To"] == "manager1@example.com"
    assert smtp.envelopes[0].mail_from == "crm@example.com"
    assert "Предложение во вложении" in message.get_body(("plain",)).get_content()
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert sorted(name.rsplit(".", 1)[1] for name in attachments) == ["docx", "pdf"]
    pdf = next(v for k, v in attachments.items() if k.endswith(".pdf"))
    docx_bytes = next(v for k, v in attachments.items() if k.endswith(".docx"))
    assert pdf.startswith(b"%PDF") and docx_bytes.startswith(b"PK")
    assert sent.sent_to == ["fedor@example.com"] and sent.sent_at is not None
    entry = AuditLog.objects.get(event=services.AUDIT_DOCUMENT_SENT)
    assert entry.actor == staff.manager1
    assert entry.details["to"] == ["fedor@example.com"]
    assert entry.details["document"] == str(document.pk)


def test_send_docx_only_to_several_addresses(
    staff, document, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.document_send(
            actor=staff.manager1,
            document=document,
            to="a@example.com; b@example.com, a@example.com",
            attach_pdf=False,
        )
    [mail] = mailoutbox
    assert mail.to == ["a@example.com", "b@example.com"]
    assert [name.rsplit(".", 1)[1] for name, _, _ in mail.attachments] == ["docx"]
    assert mail.subject == document.title


def test_send_refuses_bad_addresses_and_outsiders(staff, document, mailoutbox):
    with pytest.raises(ValidationError) as exc:
        services.document_send(actor=staff.manager1, document=document, to=["not-an-address"])
    assert "not-an-address" in exc.value.message_dict["to"][0]
    with pytest.raises(PermissionDenied):
        services.document_send(
            actor=staff.manager2, document=document, to=["x@example.com"], attach_pdf=False
        )
    document.refresh_from_db()
    assert document.sent_at is None and mailoutbox == []
    assert not AuditLog.objects.filter(event=services.AUDIT_DOCUMENT_SENT).exists()
