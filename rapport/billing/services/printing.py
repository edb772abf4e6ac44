"""The invoice's printed form through the documents app: the template of target
``billing.invoice`` (the default one from ``default_templates/invoice.docx`` is installed
the first time none exists), a generated document per invoice change, and its PDF."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.models import User
from rapport.documents import services as documents
from rapport.documents.models import (
    DocumentKind,
    DocumentTemplate,
    DocumentTemplateVersion,
    GeneratedDocument,
)

from ..document_context import TARGET
from ..models import Invoice

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "default_templates" / "invoice.docx"


def invoice_template() -> DocumentTemplate:
    """The active invoice template (the default one installed when there is none)."""
    found = (
        DocumentTemplate.objects.filter(target=TARGET, is_active=True)
        .order_by("-kind", "name", "id")
        .first()
    )
    if found is not None:
        return found
    language = settings.LANGUAGE_CODE.split("-")[0]
    with transaction.atomic():
        template = DocumentTemplate.objects.create(
            name=_("Invoice"),
            kind=DocumentKind.INVOICE,
            target=TARGET,
            language=language if language in ("en", "ru", "pl") else "en",
        )
        version = DocumentTemplateVersion(
            template=template,
            number=1,
            original_name=DEFAULT_TEMPLATE.name,
            size=DEFAULT_TEMPLATE.stat().st_size,
        )
        version.file.save(DEFAULT_TEMPLATE.name, ContentFile(DEFAULT_TEMPLATE.read_bytes()))
        template.file.name = version.file.name
        template.original_name = DEFAULT_TEMPLATE.name
        template.save()
    return template


def _current_document(invoice: Invoice, template: DocumentTemplate) -> GeneratedDocument | None:
    """The latest document of the invoice, if made after its last change."""
    return (
        GeneratedDocument.objects.filter(
            target=TARGET,
            object_id=str(invoice.pk),
            template=template,
            created_at__gte=invoice.updated_at,
            deleted_at__isnull=True,
        )
        .order_by("-version")
        .first()
    )


def invoice_document(*, actor: User, invoice: Invoice) -> GeneratedDocument:
    """The invoice's printed form (DOCX), generated when the invoice changed since."""
    invoice = access.get_visible_or_404(actor, Invoice, invoice.pk)
    template = invoice_template()
    current = _current_document(invoice, template)
    if current is not None:
        return current
    if not access.can_edit(actor, invoice):
        raise PermissionDenied(_("You may not print this invoice."))
    return documents.document_generate(
        actor=actor, template=template, record=invoice, number=invoice.number
    )


def invoice_pdf(*, actor: User, invoice: Invoice) -> GeneratedDocument:
    """The printed form with its PDF made."""
    document = invoice_document(actor=actor, invoice=invoice)
    return documents.document_pdf(actor=actor, document=document)


def invoice_email(
    *, actor: User, invoice: Invoice, to: list[str] | str, subject: str = "", message: str = ""
) -> GeneratedDocument:
    """E-mail the invoice's PDF (after commit) to ``to``."""
    if invoice.is_draft:
        raise ValidationError({"status": [_("Send a draft first: it has no number yet.")]})
    document = invoice_document(actor=actor, invoice=invoice)
    return documents.document_send(
        actor=actor,
        document=document,
        to=to,
        subject=subject or str(invoice),
        message=message,
        attach_docx=False,
        attach_pdf=True,
    )
