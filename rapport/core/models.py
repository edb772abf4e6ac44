from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ids import new_id


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("Administrator")
    DIRECTOR = "director", _("Director")
    HEAD = "head", _("Head of department")
    MANAGER = "manager", _("Manager")
    READ_ONLY = "readonly", _("Read-only")


class ReadScope(models.TextChoices):
    """What a read-only user's grant covers."""

    ALL = "all", _("All records")
    DEPARTMENT = "department", _("Own department")


class Organisation(models.Model):
    """One of our own legal entities."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    legal_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    bank_details = models.TextField(
        _("bank details"), blank=True, help_text=_("Bank, account, codes: printed on invoices.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A unit of our staff; departments form a tree."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent department"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("organisation"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MANAGER)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("department"),
    )
    read_scope = models.CharField(
        _("read-only grant"),
        max_length=16,
        choices=ReadScope.choices,
        default=ReadScope.ALL,
        help_text=_("What a read-only user may see."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    sees_confidential = models.BooleanField(
        _("sees confidential clients"),
        default=False,
        help_text=_("May see the contact details of confidential (VIP) clients."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    can_exchange = models.BooleanField(
        _("may exchange data with 1C"),
        default=False,
        help_text=_("May log in as 1C's exchange user and manage the 1C exchange settings."),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def sees_everything(self) -> bool:
        return self.is_administrator or self.role == Role.DIRECTOR

    @property
    def may_exchange(self) -> bool:
        """Administrators always may; others need the exchange permission."""
        return self.is_active and (self.is_administrator or self.can_exchange)

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.READ_ONLY


class ApiToken(models.Model):
    """A bearer token for the REST API; only its hash is stored."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="api")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TrashQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def trashed(self):
        return self.filter(deleted_at__isnull=False)


class BusinessRecord(models.Model):
    """Base of every business record: UUIDv7 key, timestamps, author, trash."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TrashQuerySet.as_manager()

    class Meta:
        abstract = True


class PropertyType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multichoice", _("Multiple choice")
    USER = "user", _("Link to user")


class PropertyTarget(models.TextChoices):
    CLIENT = "client", _("Client")
    CONTACT = "contact", _("Contact person")
    PRODUCT = "product", _("Product")
    DEAL = "deal", _("Deal")


class PropertyDefinition(models.Model):
    """A user-defined field; values live in the record's `properties` JSON under `code`."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    target = models.CharField(_("applies to"), max_length=16, choices=PropertyTarget.choices)
    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    type = models.CharField(_("type"), max_length=16, choices=PropertyType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Hidden on confidential (VIP) clients from users who may not see them."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["target", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["target", "code"], name="property_code_unique")
        ]
        verbose_name = _("property")
        verbose_name_plural = _("properties")

    def __str__(self) -> str:
        return self.label


def attachment_upload_to(instance: AttachmentVersion, filename: str) -> str:
    return f"attachments/{instance.attachment_id}/{instance.id}/{filename}"


class Attachment(models.Model):
    """A file attached to any record; each upload of a new version keeps the old ones."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, db_index=True)
    record = GenericForeignKey("content_type", "object_id")
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> AttachmentVersion | None:
        return self.versions.order_by("-number").first()


class AttachmentVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_upload_to, max_length=500)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["attachment", "number"], name="attachment_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.number}"


class AuditEvent(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    EXPORT = "export", _("Export")
    PERMISSION_CHANGE = "permission_change", _("Permission change")
    PURGE = "purge", _("Purged from trash")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    DOCUMENT_SENT = "document_sent", _("Document sent by e-mail")
    EXCHANGE_SETTINGS = "exchange_settings", _("1C exchange settings changed")
    EXCHANGE_CONFLICT = "exchange_conflict", _("1C exchange conflict resolved")


class AuditLog(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.CharField(max_length=32, choices=AuditEvent.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event} {self.username}"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


def job_file_upload_to(instance: Job, filename: str) -> str:
    return f"jobs/{instance.created_at:%Y/%m}/{instance.id}/{filename}"


class Job(models.Model):
    """A piece of long work (import, export, batch change, scan) run by a Celery worker.

    ``state`` is the handler's checkpoint: a worker killed mid-job resumes from it.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(_("kind"), max_length=32, db_index=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    params = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    processed = models.PositiveBigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    input_file = models.FileField(upload_to=job_file_upload_to, max_length=500, blank=True)
    input_name = models.CharField(max_length=255, blank=True)
    output_file = models.FileField(upload_to=job_file_upload_to, max_length=500, blank=True)
    output_name = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_owner_idx")]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.id}"

    @property
    def progress(self) -> float:
        """0..1; a finished job is 1 whatever its counters say."""
        if self.status in (JobStatus.DONE, JobStatus.UNDONE):
            return 1.0
        if not self.total:
            return 0.0
        return min(1.0, self.processed / self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.UNDONE)


class JobError(models.Model):
    """One problem a job met: the row (of an input file) or record, the field, the reason."""

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveBigIntegerField(null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    field = models.CharField(max_length=200, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="joberror_job_row_idx")]

    def __str__(self) -> str:
        return f"{self.row or self.object_id}: {self.field}: {self.message}"


class JobChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    # Several records of one model created at once (``before["ids"]``): bulk jobs write
    # one note per chunk and model instead of one per record.
    CREATED_MANY = "batch", _("Created (several)")
    UPDATED = "updated", _("Updated")


class JobChange(models.Model):
    """A record a job created or changed, with the values it had before: what undo restores."""

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="changes")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=8, choices=JobChangeAction.choices)
    before = models.JSONField(default=dict, blank=True)
    row = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["job", "content_type", "object_id"], name="jobchange_obj_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.content_type_id}:{self.object_id}"


class RecordAlias(models.Model):
    """A record merged into another: its old id keeps resolving to the survivor."""

    id = models.BigAutoField(primary_key=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    old_id = models.CharField(max_length=64)
    new_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "old_id"], name="record_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.old_id} → {self.new_id}"


class ExternalId(models.Model):
    """A record's id in another system (1C "Ид", an old CRM, a spreadsheet's own key).

    Never our key: a record may have one per system, and imports and exchanges match on it.
    """

    id = models.BigAutoField(primary_key=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, db_index=True)
    system = models.CharField(_("system"), max_length=64)
    value = models.CharField(_("external id"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "system", "value"], name="external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.value}"


# --- notifications and reminders ------------------------------------------------------


class NotificationChannel(models.TextChoices):
    BROWSER = "browser", _("In the browser")
    EMAIL = "email", _("By e-mail")


class Notification(models.Model):
    """A message to one user (new task, event soon, reminder...): shown under the bell and,
    if the user's preferences say so, e-mailed. ``dedupe_key`` makes sending idempotent."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    in_browser = models.BooleanField(default=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_unique",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True, in_browser=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """One user's choice for one kind of notification on one channel (defaults apply
    where no row exists)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=16, choices=NotificationChannel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel}: {self.enabled}"


class ReminderState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SNOOZED = "snoozed", _("Snoozed")
    DISMISSED = "dismissed", _("Dismissed")
    DONE = "done", _("Done")


class Reminder(models.Model):
    """A user's reminder about any record: at a time, or "N minutes before" the record's
    due time; optionally repeated until ``valid_until``. ``next_at`` is the next firing."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    offset_minutes = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    repeat_minutes = models.PositiveIntegerField(_("repeat every (minutes)"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ReminderState.choices, default=ReminderState.ACTIVE
    )
    next_at = models.DateTimeField(_("next reminder"), null=True, blank=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    fired_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(
                fields=["next_at"],
                condition=models.Q(state__in=["active", "snoozed"]),
                name="reminder_due_idx",
            ),
            models.Index(fields=["content_type", "object_id", "user"], name="reminder_record_idx"),
            models.Index(fields=["user", "-created_at"], name="reminder_user_idx"),
        ]

    def __str__(self) -> str:
        return self.note[:60] or str(_("Reminder"))
