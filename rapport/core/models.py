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
