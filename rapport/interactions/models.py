"""Interactions with clients (calls, meetings, e-mails, visits, complaints...), their
configurable types and templates, and the catalogue of client interests."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord
from rapport.parties.models import Client, ContactPerson


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")
    NONE = "none", _("No direction")


class Colour(models.TextChoices):
    """Bootstrap theme colours (CSS classes: no inline styles under the strict CSP)."""

    PRIMARY = "primary", _("Blue")
    SECONDARY = "secondary", _("Grey")
    SUCCESS = "success", _("Green")
    DANGER = "danger", _("Red")
    WARNING = "warning", _("Yellow")
    INFO = "info", _("Cyan")
    DARK = "dark", _("Black")


# Fields a type may make required (the subject, client, type and date always are).
REQUIRABLE_FIELDS: dict[str, object] = {
    "contacts": _("Contact persons"),
    "participants": _("Our participants"),
    "duration": _("Duration"),
    "description": _("Description"),
    "result": _("Result"),
    "next_step": _("Next step"),
}


class InteractionType(models.Model):
    """A kind of interaction (incoming call, meeting, complaint...), set up by
    administrators: icon, colour, direction and which fields it requires."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    icon = models.CharField(
        _("icon"), max_length=64, default="chat-dots", help_text=_("A bootstrap-icons name.")
    )
    color = models.CharField(
        _("colour"), max_length=16, choices=Colour.choices, default=Colour.SECONDARY
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.NONE
    )
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("interaction type")
        verbose_name_plural = _("interaction types")

    def __str__(self) -> str:
        return self.name


class InteractionTemplate(models.Model):
    """A typical interaction: its type, subject and a description skeleton that pre-fill
    the form."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    type = models.ForeignKey(
        InteractionType, on_delete=models.CASCADE, related_name="templates", verbose_name=_("type")
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    duration = models.PositiveIntegerField(_("duration, minutes"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("interaction template")
        verbose_name_plural = _("interaction templates")

    def __str__(self) -> str:
        return self.name


class Interaction(BusinessRecord):
    """A contact with a client: planned, or done (with its result)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("client")
    )
    type = models.ForeignKey(
        InteractionType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    contacts = models.ManyToManyField(
        ContactPerson, blank=True, related_name="interactions", verbose_name=_("contact persons")
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="interactions_joined",
        verbose_name=_("our participants"),
    )
    # Stored in UTC (USE_TZ), shown in the user's time zone.
    date = models.DateTimeField(_("date and time"), default=timezone.now)
    duration = models.PositiveIntegerField(_("duration, minutes"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    result = models.TextField(_("result"), blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    planned = models.BooleanField(_("planned"), default=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_interactions",
        verbose_name=_("manager"),
    )
    # A link to any record later apps add (deal, service request, campaign).
    link_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_id = models.CharField(max_length=64, blank=True, default="")
    linked = GenericForeignKey("link_type", "link_id")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["client", "-date", "-id"], name="interaction_client_idx"),
            models.Index(fields=["manager", "-date", "-id"], name="interaction_manager_idx"),
            models.Index(fields=["-date", "-id"], name="interaction_date_idx"),
            models.Index(fields=["link_type", "link_id"], name="interaction_link_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("interactions:interaction_detail", args=[self.pk])

    @property
    def was_planned(self) -> bool:
        return self.planned or self.completed_at is not None


class Interest(models.Model):
    """An entry of the interest catalogue; entries with children are groups."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("group"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="interest_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ClientInterest(models.Model):
    """An interest (need) a client has expressed, when, and in which interaction."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="interests", verbose_name=_("client")
    )
    interest = models.ForeignKey(
        Interest, on_delete=models.PROTECT, related_name="client_interests"
    )
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    source = models.ForeignKey(
        Interaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interests",
        verbose_name=_("source interaction"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-noted_on", "-created_at"]
        verbose_name = _("client interest")
        verbose_name_plural = _("client interests")
        constraints = [
            models.UniqueConstraint(fields=["client", "interest"], name="client_interest_unique")
        ]
        indexes = [models.Index(fields=["interest", "client"], name="client_interest_filter_idx")]

    def __str__(self) -> str:
        return f"{self.client}: {self.interest}"
