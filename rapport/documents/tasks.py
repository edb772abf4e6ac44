"""Celery tasks of documents: sending a document by e-mail after the commit."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from .models import GeneratedDocument
from .rendering import DOCX_CONTENT_TYPE

log = logging.getLogger(__name__)


@shared_task(
    name="documents.send_document",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_document(
    *,
    document_id: str,
    actor_id: str,
    to: list[str],
    subject: str,
    message: str,
    attach_docx: bool,
    attach_pdf: bool,
) -> int:
    """Send one document (the service checked the actor's right and recorded it)."""
    from rapport.core.models import User

    document = GeneratedDocument.objects.filter(pk=document_id, deleted_at__isnull=True).first()
    if document is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first()
    reply_to = [actor.email] if actor is not None and actor.email else []
    email = EmailMessage(
        subject=subject,
        body=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    stem = document.docx.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if attach_docx and document.docx:
        with document.docx.open("rb") as handle:
            email.attach(f"{stem}.docx", handle.read(), DOCX_CONTENT_TYPE)
    if attach_pdf and document.pdf:
        with document.pdf.open("rb") as handle:
            email.attach(f"{stem}.pdf", handle.read(), "application/pdf")
    sent = email.send()
    log.info("Document %s sent to %s", document_id, ", ".join(to))
    return sent
