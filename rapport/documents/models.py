"""Document templates (DOCX with Jinja placeholders, rendered by docxtpl) and the documents
generated from them for a record of another app (a deal, an invoice...).

Documents sit below sales and billing: a record is named by its *target* key (e.g.
``"sales.deal"``, registered in ``registry``) and its id, never by a foreign key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord


class DocumentKind(models.TextChoices):
    OFFER = "offer", _("Commercial offer")
    CONTRACT = "contract", _("Contract")
    INVOICE = "invoice", _("Invoice")
    ACT = "act", _("Act of acceptance")
    OTHER = "other", _("Other")


class DocumentLanguage(models.TextChoices):
    """The language of a template: amounts in words and date formats follow it."""

    EN = "en", _("English")
    RU = "ru", _("Russian")
    PL = "pl", _("Polish")


def template_upload_to(instance: DocumentTemplateVersion, filename: str) -> str:
    return f"documents/templates/{instance.template_id}/v{instance.number}/{filename}"


def document_upload_to(instance: GeneratedDocument, filename: str) -> str:
    return f"documents/generated/{instance.created_at:%Y/%m}/{instance.id}/{filename}"


class DocumentTemplate(models.Model):
    """A DOCX template for one kind of record (``target``); the file is its current
    version, older uploads stay in ``versions``."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    target = models.CharField(_("used for"), max_length=64, db_index=True)
    language = models.CharField(
        _("language"), max_length=8, choices=DocumentLanguage.choices, default="en"
    )
    file = models.FileField(_("file"), upload_to="documents/templates/", max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["target", "kind", "name", "language"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self) -> str:
        return self.name


class DocumentTemplateVersion(models.Model):
    """One uploaded file of a template (the newest is the template's current file)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=template_upload_to, max_length=500)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="document_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.number}"


class GeneratedDocument(BusinessRecord):
    """A document rendered from a template for one record; each generation from the same
    template for the same record is a new version (1, 2, 3...)."""

    template = models.ForeignKey(
        DocumentTemplate,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("template"),
    )
    target = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record"), max_length=64)
    title = models.CharField(_("title"), max_length=300, blank=True)
    number = models.CharField(_("number"), max_length=64, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    language = models.CharField(_("language"), max_length=8, default="en")
    docx = models.FileField(_("DOCX"), upload_to=document_upload_to, max_length=500)
    pdf = models.FileField(_("PDF"), upload_to=document_upload_to, max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["target", "object_id"], name="document_record_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "target", "object_id", "version"],
                name="document_version_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.template} v{self.version}"

    @property
    def base_filename(self) -> str:
        return f"{self.title or self.template.name} v{self.version}"
