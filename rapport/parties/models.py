from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord, Department


class RelationshipStatus(models.Model):
    """Configurable list: lead, prospect, active client, former client, lost..."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    color = models.CharField(_("colour"), max_length=16, default="secondary")
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("relationship status")
        verbose_name_plural = _("relationship statuses")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A client category."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """Where a client came from (web site, exhibition, referral...)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name


class RelationType(models.Model):
    """Configurable types of relations between clients."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    reverse_name = models.CharField(_("reverse name"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("relation type")
        verbose_name_plural = _("relation types")

    def __str__(self) -> str:
        return self.name


_ALIVE = models.Q(deleted_at__isnull=True)


# Fields of the history tables that get no index of their own (see Client.history).
HISTORY_UNINDEXED = [
    "tax_id",
    "created_by",
    "deleted_by",
    "department",
    "manager",
    "status",
    "source",
]


def client_base_history(**options) -> HistoricalRecords:
    """History of a client-base record. Its "who" column is not a database foreign key:
    history is a log (Django still sets it to NULL when a user is deleted), and a
    constraint check on every history row is a large share of a bulk import's work."""
    return HistoricalRecords(user_db_constraint=False, **options)


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class Client(BusinessRecord):
    kind = models.CharField(
        _("kind"), max_length=8, choices=ClientKind.choices, default=ClientKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=300)
    # Lower-cased, space-collapsed name: the index behind search as you type.
    search_name = models.CharField(max_length=300, editable=False, default="")
    # Name without legal form, quotes and case, transliterated to Latin: the blocking key
    # of the duplicate scan and of the "is this a duplicate?" warning.
    name_key = models.CharField(max_length=300, editable=False, default="", db_index=True)
    legal_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True, db_index=True)
    legal_form = models.CharField(_("legal form"), max_length=64, blank=True)
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="clients", verbose_name=_("categories")
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("source")
    )
    status = models.ForeignKey(
        RelationshipStatus,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("relationship status"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_clients",
        verbose_name=_("manager"),
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("department")
    )
    is_confidential = models.BooleanField(_("confidential (VIP)"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    history = client_base_history(
        excluded_fields=["search_name", "name_key", "updated_at"],
        # History is read by record (id) and date only; an index per copied foreign key
        # or tax id would only slow every write (an import writes a history row per row).
        no_db_index=HISTORY_UNINDEXED,
    )

    class Meta:
        ordering = ["search_name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        # Partial indexes over the live rows, each ending in the sort key of the lists
        # (name, id) so that a filtered page is read in order without a temporary sort.
        indexes = [
            models.Index(fields=["search_name", "id"], name="client_name_idx", condition=_ALIVE),
            models.Index(
                fields=["manager", "status", "search_name", "id"],
                name="client_mgr_status_idx",
                condition=_ALIVE,
            ),
            models.Index(
                fields=["department", "search_name", "id"], name="client_dept_idx", condition=_ALIVE
            ),
            models.Index(
                fields=["status", "search_name", "id"], name="client_status_idx", condition=_ALIVE
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("parties:client_detail", kwargs={"pk": self.pk})


class ClientShare(models.Model):
    """A client explicitly shared with a user who is not its manager."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_clients"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="client_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.user}"


class ContactPerson(BusinessRecord):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    search_name = models.CharField(max_length=300, editable=False, default="")
    name_key = models.CharField(max_length=300, editable=False, default="", db_index=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=16, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    clients = models.ManyToManyField(
        Client, through="ContactRole", related_name="contacts", verbose_name=_("clients")
    )

    history = client_base_history(
        excluded_fields=["search_name", "name_key", "updated_at"],
        # History is read by record (id) and date only; an index per copied foreign key
        # or tax id would only slow every write (an import writes a history row per row).
        no_db_index=HISTORY_UNINDEXED,
    )

    class Meta:
        ordering = ["search_name", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        indexes = [models.Index(fields=["search_name", "id"], name="contact_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("parties:contact_detail", kwargs={"pk": self.pk})

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class ContactRole(models.Model):
    """A contact person's place at one client: position and role."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(ContactPerson, on_delete=models.CASCADE, related_name="roles")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_roles")
    position = models.CharField(_("position"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)

    history = client_base_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "client"], name="contact_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.client}"


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEBSITE = "website", _("Web site")
    MESSENGER = "messenger", _("Messenger")


class ContactPoint(models.Model):
    """A phone, e-mail, web site or messenger of a client or a contact person.

    ``normalized`` holds the search key: E.164 for phones, lower case for e-mails.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
        db_index=False,  # partial index below
    )
    contact = models.ForeignKey(
        ContactPerson,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
        db_index=False,  # partial index below
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    type = models.CharField(_("type"), max_length=32, blank=True)
    value = models.CharField(_("value"), max_length=300)
    # Indexed below: (channel, normalized) for lookups, normalized alone for prefix search.
    normalized = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    # The history's owner indexes are partial too (migration 0009, by hand: simple-history
    # gives its models no way to declare them).
    history = client_base_history(no_db_index=["normalized", "client", "contact"])

    class Meta:
        ordering = ["channel", "position"]
        indexes = [
            # A point belongs to a client or to a contact person, never both: each owner
            # index skips the other half's NULLs (an import of clients writes millions).
            models.Index(
                fields=["client"],
                name="contactpoint_client_idx",
                condition=models.Q(client__isnull=False),
            ),
            models.Index(
                fields=["contact"],
                name="contactpoint_contact_idx",
                condition=models.Q(contact__isnull=False),
            ),
            models.Index(fields=["channel", "normalized"], name="contactpoint_lookup_idx"),
            # Search as you type by the start of an e-mail or phone (LIKE 'x%' on PostgreSQL
            # needs the pattern operator class; other databases ignore it).
            models.Index(
                fields=["normalized"],
                name="contactpoint_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False) | models.Q(contact__isnull=False),
                name="contactpoint_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.value


class AddressType(models.TextChoices):
    LEGAL = "legal", _("Legal")
    ACTUAL = "actual", _("Actual")
    POSTAL = "postal", _("Postal")
    DELIVERY = "delivery", _("Delivery")


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    type = models.CharField(
        _("type"), max_length=16, choices=AddressType.choices, default=AddressType.ACTUAL
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    street = models.CharField(_("street and building"), max_length=300, blank=True)

    history = client_base_history()

    class Meta:
        ordering = ["type"]

    def __str__(self) -> str:
        return ", ".join(
            p for p in (self.postal_code, self.country, self.region, self.city, self.street) if p
        )


class ClientRelation(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    from_client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="relations_out")
    to_client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="relations_in")
    type = models.ForeignKey(RelationType, on_delete=models.PROTECT, verbose_name=_("type"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_client", "to_client", "type"], name="client_relation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_client=models.F("to_client")),
                name="client_relation_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_client} — {self.type} — {self.to_client}"


class StatusChange(models.Model):
    """The relationship-status timeline of a client."""

    # Read by client (the index below); the other keys are only followed, never searched,
    # so they get no index of their own (every new client with a status writes a row).
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="status_changes", db_index=False
    )
    old_status = models.ForeignKey(
        RelationshipStatus,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    new_status = models.ForeignKey(
        RelationshipStatus,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["client", "-changed_at"], name="statuschange_client_idx")]

    def __str__(self) -> str:
        return f"{self.client}: {self.old_status} → {self.new_status}"


class SavedFilter(models.Model):
    """A user's named client-list filter (the query string of the list)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_name = models.CharField(max_length=32, default="clients")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=2000)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_name", "name"], name="saved_filter_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- duplicates and merge ----------------------------------------------------------------


class DuplicateTarget(models.TextChoices):
    CLIENT = "client", _("Clients")
    CONTACT = "contact", _("Contact persons")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not a duplicate")


class DuplicatePair(models.Model):
    """Two clients (or two contact persons) that the duplicate scan found alike.

    ``first_id < second_id``, so a pair is stored once; a pair marked "not a duplicate"
    keeps its row (status ``dismissed``) and later scans leave it so.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    target = models.CharField(_("applies to"), max_length=8, choices=DuplicateTarget.choices)
    first_id = models.UUIDField()
    second_id = models.UUIDField()
    score = models.FloatField(_("score"), default=0)
    # Reason codes (see parties.duplicates.REASONS) and the name similarity (0..100).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    name_score = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DuplicateStatus.choices,
        default=DuplicateStatus.OPEN,
    )
    found_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "first_id", "second_id"], name="duplicate_pair_unique"
            )
        ]
        indexes = [
            models.Index(fields=["target", "status", "-score", "id"], name="duplicate_queue_idx"),
            models.Index(fields=["second_id"], name="duplicate_second_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"


class Merge(models.Model):
    """One merge of records into a survivor, with what undo needs to put them back."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    target = models.CharField(_("applies to"), max_length=8, choices=DuplicateTarget.choices)
    survivor_id = models.UUIDField(db_index=True)
    merged_ids = models.JSONField(default=list)
    # {"fields": {attname: old JSON value}, "tags": [...], "moves": [...], "aliases": [...]}
    snapshot = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_ids} → {self.survivor_id}"
