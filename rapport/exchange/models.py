"""Models of data exchange: import mapping templates (exports keep no models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.ids import new_id


class ImportTarget(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    CONTACTS = "contacts", _("Contact persons")


class ImportTemplate(models.Model):
    """A named column mapping (file header -> field key) a user saved for next time."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_templates"
    )
    target = models.CharField(_("import into"), max_length=16, choices=ImportTarget.choices)
    name = models.CharField(_("name"), max_length=100)
    # {header_key(header): field key or ""}; headers are folded so that case and
    # punctuation differences between files do not matter.
    mapping = models.JSONField(default=dict, blank=True)
    # match_on, external_system, on_error, delimiter, encoding
    options = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "target", "name"], name="import_template_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
