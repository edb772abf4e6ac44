"""Models of data exchange: import mapping templates and the exchange with 1C."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
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


# --- exchange with 1C:Enterprise --------------------------------------------------------


class ConnectionKind(models.TextChoices):
    COMMERCEML = "commerceml", _("CommerceML (1C uploads to the CRM)")
    ODATA = "odata", _("OData (the CRM reads the 1C infobase)")
    ENTERPRISEDATA = "enterprisedata", _("EnterpriseData files")


class Connection(models.Model):
    """One configured exchange with one 1C infobase over one channel.

    ``code`` names the source in ``core.ExternalId.system`` (as ``1c:<code>``), so ids from
    two infobases never collide. Channel settings live in ``options`` (documented per kind
    in ``rapport/exchange/onec/<kind>/options.py``).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(_("channel"), max_length=16, choices=ConnectionKind.choices)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    # The user the exchange acts as (history and audit name them); for CommerceML the user
    # 1C logs in as must be this one or another user with the exchange permission.
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acts as"),
    )
    # Manager given to clients the exchange creates (the "default manager" rule).
    default_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("manager of new clients"),
    )
    options = models.JSONField(default=dict, blank=True)
    # Secrets (OData password) kept apart from options so forms and logs never echo them.
    secret = models.CharField(_("password"), max_length=200, blank=True)
    schedule_minutes = models.PositiveIntegerField(
        _("run every (minutes)"), null=True, blank=True, help_text=_("Empty: manual runs only.")
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("1C connection")
        verbose_name_plural = _("1C connections")

    def __str__(self) -> str:
        return self.name

    @property
    def system(self) -> str:
        """The ``core.ExternalId.system`` of records this connection exchanges."""
        return f"1c:{self.code}"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Receiving files")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# What each channel's sessions are called in the log.
CHANNEL_LABELS = {
    "catalog": _("Catalogue from 1C"),
    "sale": _("Orders"),
    "pull": _("Pull from 1C"),
    "push": _("Push to 1C"),
    "import": _("Message from 1C"),
    "export": _("Message to 1C"),
}


class ExchangeSession(models.Model):
    """One exchange run: a 1C session (checkauth..complete), an OData pull, an ED message.

    The exchange log in the UI lists these with their files, counts and rejections.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sessions")
    # catalog | sale (CommerceML), pull | push (OData), import | export (EnterpriseData)
    channel = models.CharField(_("type"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The CommerceML session cookie; only its SHA-256 is stored.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.CharField(_("format version"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # {"created": n, "updated": n, "unchanged": n, "rejected": n}
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    # Channel state between requests (files imported, orders handed out by `query`...).
    state = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("exchange session")
        verbose_name_plural = _("exchange sessions")

    def __str__(self) -> str:
        return f"{self.connection} {self.channel} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))


def exchange_file_upload_to(instance: ExchangeFile, filename: str) -> str:
    return f"exchange/{instance.session_id}/{filename}"


class FileDirection(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class ExchangeFile(models.Model):
    """A file of a session, kept so that a person can download what was exchanged."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    session = models.ForeignKey(ExchangeSession, on_delete=models.CASCADE, related_name="files")
    direction = models.CharField(max_length=3, choices=FileDirection.choices)
    name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=exchange_file_upload_to, max_length=500)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("exchange file")
        verbose_name_plural = _("exchange files")

    def __str__(self) -> str:
        return self.name


class Rejection(models.Model):
    """An object of an incoming package that was not applied, with the reason in plain words."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(
        ExchangeSession, on_delete=models.CASCADE, related_name="rejections"
    )
    target = models.CharField(_("object"), max_length=32)
    external_id = models.CharField(_("1C id"), max_length=200, blank=True)
    label = models.CharField(_("name"), max_length=300, blank=True)
    file = models.CharField(_("file"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("rejected object")
        verbose_name_plural = _("rejected objects")

    def __str__(self) -> str:
        return f"{self.label or self.external_id}: {self.reason}"


class Owner(models.TextChoices):
    EXTERNAL = "external", _("1C is the master")
    CRM = "crm", _("The CRM is the master")
    SHARED = "shared", _("Both; a person resolves conflicts")


class FieldOwnership(models.Model):
    """Which system is master for one field of one kind of object, per connection.

    Fields without a row follow ``rapport.exchange.onec.policy.DEFAULTS``.
    """

    id = models.BigAutoField(primary_key=True)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="ownership")
    target = models.CharField(_("object"), max_length=32)
    field = models.CharField(_("field"), max_length=64)
    owner = models.CharField(_("master"), max_length=16, choices=Owner.choices)

    class Meta:
        verbose_name = _("field ownership")
        verbose_name_plural = _("field ownership")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "target", "field"], name="field_ownership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target}.{self.field}: {self.owner}"


class SyncState(models.Model):
    """What the other system last said about one of our records, field by field.

    Comparing it with the record and with the new package tells who changed a field since
    the last exchange: that is how a shared field becomes a conflict, and why a package
    applied twice changes nothing.
    """

    id = models.BigAutoField(primary_key=True)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    values = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "content_type", "object_id"], name="sync_state_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("To resolve")
    KEPT_CRM = "kept_crm", _("CRM value kept")
    TOOK_EXTERNAL = "took_external", _("1C value taken")


class Conflict(models.Model):
    """A shared field both systems changed since the last exchange; a person decides."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="conflicts")
    session = models.ForeignKey(
        ExchangeSession, null=True, on_delete=models.SET_NULL, related_name="conflicts"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = models.CharField(_("object"), max_length=32)
    field = models.CharField(_("field"), max_length=64)
    crm_value = models.JSONField(_("value in the CRM"), null=True)
    external_value = models.JSONField(_("value in 1C"), null=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exchange conflict")
        verbose_name_plural = _("exchange conflicts")
        indexes = [models.Index(fields=["connection", "status"], name="conflict_open_idx")]

    def __str__(self) -> str:
        return f"{self.target}.{self.field}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting for 1C")
    HANDED_OUT = "handed_out", _("Sent, waiting for 1C's confirmation")
    DELIVERED = "delivered", _("Delivered to 1C")


class OutboxItem(models.Model):
    """A CRM document (invoice, deal) queued for one connection.

    CommerceML's ``query`` hands out pending items and ``success`` marks them delivered;
    a session that never confirms leaves them to be handed out again.
    """

    id = models.BigAutoField(primary_key=True)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="outbox")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    session = models.ForeignKey(
        ExchangeSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "content_type", "object_id"], name="outbox_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} ({self.state})"
