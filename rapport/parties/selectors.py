"""Every read of the client base, scoped to the acting user through core.access."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from rapport.core import access
from rapport.core.models import Attachment, PropertyDefinition, PropertyTarget, PropertyType, User

from . import normalize
from .models import (
    Address,
    ChannelKind,
    Client,
    ClientRelation,
    ContactPerson,
    ContactPoint,
    ContactRole,
    RelationshipStatus,
    StatusChange,
)


def _attach(record: Any, **values: Any) -> None:
    """Per-page row attributes for templates and serializers (not model fields)."""
    for name, value in values.items():
        setattr(record, name, value)


# --- search ---------------------------------------------------------------------------


def _search_q(text: str, *, owner: str) -> Q:
    """Search as you type: name, tax id, phone in any format, e-mail."""
    text = (text or "").strip()[:200]
    if not text:
        return Q()
    points = ContactPoint.objects
    key = normalize.phone_search_key(text)
    if key:
        by_phone = Q(
            pk__in=points.filter(channel=ChannelKind.PHONE, normalized=key).values(f"{owner}_id")
        )
        if owner != "client":  # contact persons have no tax id
            return by_phone
        # Digits typed as a search may be a phone or the start of a tax id ("7707083").
        return by_phone | Q(tax_id__startswith=normalize.normalize_tax_id(text))
    if "@" in text:
        lowered = text.lower()
        return Q(
            pk__in=points.filter(channel=ChannelKind.EMAIL, normalized__startswith=lowered).values(
                f"{owner}_id"
            )
        )
    q = Q(search_name__contains=normalize.normalize_name(text))
    compact = normalize.normalize_tax_id(text)
    if (
        owner == "client"
        and re.fullmatch(r"[0-9A-Z]{4,32}", compact)
        and any(ch.isdigit() for ch in compact)
    ):
        q |= Q(tax_id__startswith=compact)
    return q


def _property_q(definitions: dict[str, PropertyDefinition], params: dict[str, Any]) -> Q:
    """Filters on properties: ``prop_<code>=value`` (and ``prop_<code>__gte/lte`` for
    numbers and dates)."""
    q = Q()
    for raw_key, value in params.items():
        if not raw_key.startswith("prop_") or value in (None, ""):
            continue
        code, _sep, op = raw_key[5:].partition("__")
        definition = definitions.get(code)
        if definition is None:
            continue
        lookup = f"properties__{code}"
        kind = definition.type
        if kind == PropertyType.TEXT:
            q &= Q(**{f"{lookup}__icontains": value})
        elif kind in (PropertyType.NUMBER, PropertyType.DATE):
            if kind == PropertyType.NUMBER:
                try:
                    value = float(str(value).replace(",", "."))
                except ValueError:
                    continue
            suffix = {"gte": "__gte", "lte": "__lte"}.get(op, "")
            q &= Q(**{f"{lookup}{suffix}": value})
        elif kind == PropertyType.BOOLEAN:
            q &= Q(**{lookup: str(value).lower() in {"1", "true", "yes", "on"}})
        elif kind == PropertyType.MULTI_CHOICE:
            # The JSON array text contains the quoted choice on every database.
            q &= Q(**{f"{lookup}__icontains": f'"{value}"'})
        else:
            q &= Q(**{lookup: str(value)})
    return q


def _with_name_order(qs: QuerySet[Any], *, searching: bool) -> QuerySet[Any]:
    """Annotate ``name_order``, the key lists sort by name on.

    It is the indexed ``search_name`` itself, except for a text search on PostgreSQL: there
    the planner would walk the name index in order and test every row against
    ``LIKE '%text%'`` hoping to find a page early (1.4 s at 1M clients when the matches sort
    late), while the trigram index finds all matches at once. An expression the name index
    cannot serve makes it take the trigram index and sort the matches.
    """
    if searching and connection.vendor == "postgresql":
        return qs.annotate(name_order=Concat(F("search_name"), Value(""), output_field=CharField()))
    return qs.annotate(name_order=F("search_name"))


# How the lists (pages, exports) can be sorted: sort key -> ((field, descending), ...); the
# last field is unique, so the order is total (keyset pages rely on it).
LIST_SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (("name_order", False), ("id", False)),
    "-updated": (("updated_at", True), ("id", True)),
    # ids are UUIDv7: their order is the order of creation, served by the primary key.
    "-created": (("id", True),),
    "created": (("id", False),),
}


@dataclass
class ClientFilters:
    search: str = ""
    manager: Any = None
    status: Any = None
    kind: str = ""
    tag: Any = None
    source: Any = None
    department: Any = None
    is_confidential: bool | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    # Filters registered by other apps (rapport.parties.extensions): parameter -> value.
    extra: dict[str, str] = field(default_factory=dict)


def client_list(
    *, actor: User, filters: ClientFilters | None = None, trashed: bool = False
) -> QuerySet[Client]:
    """Clients visible to ``actor`` matching ``filters``, ready for a list page."""
    filters = filters or ClientFilters()
    qs = access.visible_to(actor, Client, include_trashed=trashed)
    if trashed:
        qs = qs.filter(deleted_at__isnull=False)
    if filters.search:
        qs = qs.filter(_search_q(filters.search, owner="client"))
    if filters.manager == "none":
        qs = qs.filter(manager__isnull=True)
    elif filters.manager:
        qs = qs.filter(manager_id=filters.manager)
    if filters.status:
        qs = qs.filter(status_id=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.tag:
        qs = qs.filter(
            pk__in=Client.tags.through.objects.filter(tag_id=filters.tag).values("client_id")
        )
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.is_confidential is not None:
        qs = qs.filter(is_confidential=filters.is_confidential)
    if filters.properties:
        qs = qs.filter(_property_q(property_definitions(PropertyTarget.CLIENT), filters.properties))
    if filters.extra:
        from .extensions import apply_client_filters

        qs = apply_client_filters(qs, filters.extra, actor=actor)
    qs = _with_name_order(qs, searching=bool(filters.search))
    return qs.select_related("status", "manager")


def client_list_page_rows(clients: list[Client], *, actor: User) -> list[Client]:
    """Attach the first phone and e-mail to each client of a page (two queries), masked
    for confidential clients the actor may not see."""
    from .access import can_see_details

    ids = [c.pk for c in clients]
    first: dict[tuple[Any, str], str] = {}
    for point in (
        ContactPoint.objects.filter(
            client_id__in=ids, channel__in=[ChannelKind.PHONE, ChannelKind.EMAIL]
        )
        .order_by("position")
        .only("client_id", "channel", "value")
    ):
        first.setdefault((point.client_id, point.channel), point.value)
    for client in clients:
        visible = can_see_details(actor, client)
        _attach(
            client,
            masked=not visible,
            first_phone=first.get((client.pk, ChannelKind.PHONE), "") if visible else "",
            first_email=first.get((client.pk, ChannelKind.EMAIL), "") if visible else "",
        )
    return clients


def client_get(*, actor: User, pk: Any, include_trashed: bool = False) -> Client:
    qs = Client.objects.select_related(
        "status", "manager", "source", "department", "created_by"
    ).prefetch_related(
        "tags",
        Prefetch("contact_points", queryset=ContactPoint.objects.order_by("channel", "position")),
        "addresses",
    )
    return access.get_visible_or_404(
        actor, Client, pk, queryset=qs, include_trashed=include_trashed
    )


def client_contacts(*, actor: User, client: Client) -> QuerySet[ContactRole]:
    return (
        ContactRole.objects.filter(client=client, contact__deleted_at__isnull=True)
        .select_related("contact")
        .prefetch_related(
            Prefetch("contact__contact_points", queryset=ContactPoint.objects.order_by("position"))
        )
        .order_by("-is_primary", "contact__search_name")
    )


def client_relations(*, actor: User, client: Client) -> list[dict[str, Any]]:
    """Relations to and from ``client`` whose other side ``actor`` can see."""
    visible = access.visible_to(actor, Client)
    # EXISTS, correlated on the other side's id: ``IN (visible clients)`` made SQLite build
    # the list of every visible client (a scan of the whole table) for each card.
    rows = []
    for rel in (
        ClientRelation.objects.filter(from_client=client)
        .filter(Exists(visible.filter(pk=OuterRef("to_client_id"))))
        .select_related("type", "to_client")
    ):
        rows.append({"relation": rel, "label": rel.type.name, "other": rel.to_client})
    for rel in (
        ClientRelation.objects.filter(to_client=client)
        .filter(Exists(visible.filter(pk=OuterRef("from_client_id"))))
        .select_related("type", "from_client")
    ):
        rows.append(
            {
                "relation": rel,
                "label": rel.type.reverse_name or rel.type.name,
                "other": rel.from_client,
            }
        )
    return rows


def status_timeline(*, client: Client) -> QuerySet[StatusChange]:
    return client.status_changes.select_related("old_status", "new_status", "changed_by")


def record_attachments(*, actor: User, record: Any) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        deleted_at__isnull=True,
    ).prefetch_related("versions__uploaded_by")


# --- history --------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: Any
    user: Any
    action: str
    changes: list[tuple[str, str, str]]
    subject: str = ""


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _entries_from(records: list[Any], *, subject_of, hidden: set[str]) -> list[HistoryEntry]:
    entries = []
    for record in records:
        changes: list[tuple[str, str, str]] = []
        if record.history_type == "~" and record.prev_record is not None:
            delta = record.diff_against(record.prev_record)
            for change in delta.changes:
                if change.field in hidden:
                    continue
                label = str(record.instance._meta.get_field(change.field).verbose_name)
                changes.append(
                    (
                        label,
                        _display(record, change.field, change.old),
                        _display(record, change.field, change.new),
                    )
                )
            if not changes:
                continue
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=record.history_user,
                action=_ACTIONS[record.history_type],
                changes=changes,
                subject=subject_of(record),
            )
        )
    return entries


def _display(record: Any, field_name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    model_field = record.instance._meta.get_field(field_name)
    if model_field.is_relation and model_field.related_model is not None:
        obj = model_field.related_model._default_manager.filter(pk=value).first()
        return str(obj) if obj else str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):  # e.g. moved to trash: shown in the user's zone
        from django.utils import formats, timezone

        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return str(value)


def client_history(*, actor: User, client: Client, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what and when, for the client and its contact details, newest first.
    Contact details of a confidential client stay hidden from those who may not see them."""
    from django.utils.translation import gettext

    from .access import can_see_details

    details_visible = can_see_details(actor, client)
    hidden = {"history_user", "properties"} if not details_visible else {"history_user"}
    entries = _entries_from(
        list(client.history.select_related("history_user").order_by("-history_date")[:limit]),
        subject_of=lambda r: "",
        hidden=hidden,
    )
    if details_visible:
        point_history = (
            ContactPoint.history.filter(client_id=client.pk)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        )
        entries += _entries_from(
            list(point_history),
            hidden={"normalized", "position"},
            subject_of=lambda r: f"{r.get_channel_display()}: {r.value}",
        )
        address_history = (
            Address.history.filter(client_id=client.pk)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        )
        entries += _entries_from(
            list(address_history),
            hidden=set(),
            subject_of=lambda r: f"{gettext('Address')}: {r.instance}",
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def contact_history(*, actor: User, contact: ContactPerson, limit: int = 200) -> list[HistoryEntry]:
    from .access import can_see_contact_details

    entries = _entries_from(
        list(contact.history.select_related("history_user").order_by("-history_date")[:limit]),
        subject_of=lambda r: "",
        hidden={"history_user"},
    )
    if not can_see_contact_details(actor, contact):
        return entries
    entries += _entries_from(
        list(
            ContactPoint.history.filter(contact_id=contact.pk)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        ),
        hidden={"normalized", "position"},
        subject_of=lambda r: f"{r.get_channel_display()}: {r.value}",
    )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


# --- contacts -------------------------------------------------------------------------


def contact_list(
    *, actor: User, search: str = "", client: Any = None, properties: dict[str, Any] | None = None
) -> QuerySet[ContactPerson]:
    qs = access.visible_to(actor, ContactPerson)
    if search:
        qs = qs.filter(_search_q(search, owner="contact"))
    if client:
        qs = qs.filter(pk__in=ContactRole.objects.filter(client_id=client).values("contact_id"))
    if properties:
        qs = qs.filter(_property_q(property_definitions(PropertyTarget.CONTACT), properties))
    return _with_name_order(qs, searching=bool(search))


def contact_get(*, actor: User, pk: Any) -> ContactPerson:
    qs = ContactPerson.objects.prefetch_related(
        Prefetch("contact_points", queryset=ContactPoint.objects.order_by("channel", "position")),
        Prefetch("roles", queryset=ContactRole.objects.select_related("client")),
        "addresses",
    )
    return access.get_visible_or_404(actor, ContactPerson, pk, queryset=qs)


# --- reference lists ------------------------------------------------------------------


def property_definitions(target: str) -> dict[str, PropertyDefinition]:
    return {d.code: d for d in PropertyDefinition.objects.filter(target=target, is_active=True)}


def statuses() -> QuerySet[RelationshipStatus]:
    return RelationshipStatus.objects.filter(is_active=True)


# --- duplicates -----------------------------------------------------------------------


def _name_prefixes(key: str) -> set[str]:
    """Index range prefixes for a name key: its first letters and their usual
    transliteration variants (kh/h, ts/c, ch/c, sh/s, zh/z, y/j/i, w/v)."""
    first = key.split(" ")[0]
    prefix = first[: max(3, min(len(first), 5))]
    variants = {prefix}
    for a, b in (("kh", "h"), ("ts", "c"), ("ch", "c"), ("sh", "s"), ("zh", "z"),
                 ("y", "j"), ("y", "i"), ("j", "i"), ("w", "v")):  # fmt: skip
        for src, dst in ((a, b), (b, a)):
            if prefix.startswith(src):
                variants.add((dst + prefix[len(src) :])[: len(prefix)])
    return {v for v in variants if len(v) >= 3}


def _candidates_sql(
    tax_id: str, phone_keys: list[str], email_keys: list[str], key: str
) -> tuple[str, list[Any]]:
    """One statement answering every indexed look-up of the duplicate check: live clients
    (id, name key, tax id, which look-up found them) with this tax id (tax_id index),
    phone or e-mail (ContactPoint (channel, normalized) index), this name key or a name key
    starting like it (name_key index, at most 200 per prefix: "{" sorts after every
    character of a key, so [prefix, prefix{) is "starts with" as a plain range).

    Only table names (from the models) and ``%s`` placeholders go into the text; every
    value is a parameter. Visibility is applied afterwards, to the few that qualify."""
    qn = connection.ops.quote_name
    client, point = qn(Client._meta.db_table), qn(ContactPoint._meta.db_table)
    parts: list[str] = []
    params: list[Any] = []
    if tax_id:
        parts.append(f"SELECT id, 't' AS tag FROM {client} WHERE tax_id = %s")  # noqa: S608
        params.append(tax_id)
    for channel, keys in ((ChannelKind.PHONE, phone_keys), (ChannelKind.EMAIL, email_keys)):
        if keys:
            marks = ", ".join(["%s"] * len(keys))
            parts.append(
                f"SELECT client_id AS id, '{channel.value[0]}' AS tag FROM {point} "  # noqa: S608
                f"WHERE channel = %s AND normalized IN ({marks})"
            )
            params += [str(channel), *keys]
    if key:
        parts.append(f"SELECT id, 'n' AS tag FROM {client} WHERE name_key = %s")  # noqa: S608
        params.append(key)
        for prefix in sorted(_name_prefixes(key)):
            parts.append(
                f"SELECT id, 'n' AS tag FROM (SELECT id FROM {client} WHERE name_key >= %s "  # noqa: S608
                "AND name_key < %s LIMIT 200) AS n"
            )
            params += [prefix, prefix + "{"]
    if not parts:
        return "", []
    sql = (
        f"SELECT c.id, c.name_key, c.tax_id, u.tag FROM {client} c "  # noqa: S608
        f"JOIN ({' UNION ALL '.join(parts)}) u ON u.id = c.id WHERE c.deleted_at IS NULL"
    )
    return sql, params


def _uuid_hex(value: Any) -> str:
    import uuid

    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, str) and len(value) == 32:  # SQLite keeps UUIDs as hex
        return value
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        return ""


@dataclass
class DuplicateCandidate:
    client: Client
    reasons: list[str]
    score: int


def likely_duplicates(
    *,
    actor: User,
    name: str = "",
    tax_id: str = "",
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    exclude: Any = None,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """Visible clients that look like the one being entered, answered from indexes.

    Two statements: the indexed look-ups at once (``_candidates_sql``: keys only), scored
    here with the duplicate scan's rules; then the best of them that ``actor`` sees, as
    whole rows. No statement at all when nothing usable was typed.
    """
    from django.utils.translation import gettext

    from .duplicates import NAME_MIN, name_similarity, phonetic_key

    compact = normalize.normalize_tax_id(tax_id)
    compact = compact if len(compact) >= 8 else ""
    phone_keys = [k for k in (normalize.phone_search_key(p) for p in phones if p) if k]
    email_keys = []
    for email in emails:
        try:
            email_keys.append(normalize.normalize_email(email))
        except Exception:  # noqa: S112  (an unfinished address is not a match)
            continue
    key = normalize.name_key(name)
    key = key if len(key) >= 3 else ""
    sql, params = _candidates_sql(compact, phone_keys, email_keys, key)
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    folded = phonetic_key(key) if key else ""
    texts = {
        "t": gettext("same tax id"),
        "p": gettext("same phone"),
        "e": gettext("same e-mail"),
        "n": gettext("similar name"),
    }
    found: dict[str, tuple[int, list[str]]] = {}
    for pk, other_key, other_tax, tag in rows:
        score, why = found.get(pk, (0, []))
        if tag == "n":
            if folded and other_key and texts["n"] not in why:
                similar = name_similarity(folded, phonetic_key(other_key))
                if similar >= min(NAME_MIN, 85):
                    score = max(score, similar)
                    why = [*why, texts["n"]]
        elif texts[tag] not in why and (tag != "t" or other_tax == compact):
            score = max(score, 100 if tag == "t" else 95)
            why = [*why, texts[tag]]
        if why:
            found[pk] = (score, why)
    excluded = _uuid_hex(exclude) if exclude else ""
    ranked = sorted(found, key=lambda pk: -found[pk][0])
    out: list[DuplicateCandidate] = []
    # The warning shows the name and the manager: no other join, no ordering.
    visible = access.visible_to(actor, Client).select_related("manager").order_by()
    step = max(limit, 1)
    for start in range(0, len(ranked), step):  # the best first; rarely more than one round
        chunk = [(_uuid_hex(pk), pk) for pk in ranked[start : start + step]]
        clients = {c.pk.hex: c for c in visible.filter(pk__in=[h for h, _pk in chunk])}
        for hexed, pk in chunk:
            if hexed in clients and hexed != excluded and len(out) < limit:
                out.append(DuplicateCandidate(clients[hexed], found[pk][1], found[pk][0]))
        if len(out) >= limit:
            break
    return out


# --- dashboard ------------------------------------------------------------------------


def dashboard_status_counts(*, actor: User) -> list[dict[str, Any]]:
    """The actor's own clients (or, for those without own clients, all visible) by status."""
    qs = access.visible_to(actor, Client)
    if actor.role in ("manager", "head"):
        qs = qs.filter(manager=actor)
    rows = (
        qs.values("status__name", "status__color")
        .annotate(n=Count("id"))
        .order_by("status__position")
    )
    return [
        {
            "status": r["status__name"] or "—",
            "color": r["status__color"] or "secondary",
            "count": r["n"],
        }
        for r in rows
    ]


def recently_changed_clients(*, actor: User, limit: int = 10) -> QuerySet[Client]:
    return (
        access.visible_to(actor, Client)
        .select_related("status", "manager")
        .order_by("-updated_at")[:limit]
    )


# --- browser UI helpers (reference lists, sharing, contact pages) ---------------------


def tags() -> QuerySet[Any]:
    from .models import Tag

    return Tag.objects.all()


def sources() -> QuerySet[Any]:
    from .models import Source

    return Source.objects.all()


def relation_types() -> QuerySet[Any]:
    from .models import RelationType

    return RelationType.objects.all()


def assignable_managers(*, actor: User) -> QuerySet[User]:
    """Active users who may be made responsible for a client (not read-only)."""
    from rapport.core.models import Role

    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.READ_ONLY)
        .select_related("department")
    )


def saved_filters(*, actor: User, list_name: str = "clients") -> QuerySet[Any]:
    from .models import SavedFilter

    return SavedFilter.objects.filter(user=actor, list_name=list_name)


def client_shares(*, actor: User, client: Client) -> QuerySet[Any]:
    """Users ``client`` is shared with (only for those who may change the client)."""
    from .models import ClientShare

    if not access.can_edit(actor, client):
        return ClientShare.objects.none()
    return ClientShare.objects.filter(client=client).select_related("user")


def contact_card_roles(*, actor: User, contact: ContactPerson) -> tuple[list[ContactRole], bool]:
    """The contact's places at clients ``actor`` can see, and whether its contact details
    may be shown (hidden when any linked client is confidential to ``actor``)."""
    from .access import can_see_contact_details

    roles = list(
        ContactRole.objects.filter(contact=contact).select_related("client", "client__manager")
    )
    visible = set(
        access.visible_to(actor, Client)
        .filter(pk__in=[r.client_id for r in roles])
        .values_list("pk", flat=True)
    )
    details = can_see_contact_details(actor, contact, [r.client for r in roles])
    return [r for r in roles if r.client_id in visible], details


def contact_list_page_rows(contacts: list[ContactPerson], *, actor: User) -> list[ContactPerson]:
    """Attach visible client roles, first phone and e-mail to a page of contact persons
    (three queries), masked where a linked client is confidential to ``actor``."""
    from .access import can_see_contact_details

    ids = [c.pk for c in contacts]
    roles: dict[Any, list[ContactRole]] = {}
    all_roles = list(ContactRole.objects.filter(contact_id__in=ids).select_related("client"))
    visible = set(
        access.visible_to(actor, Client)
        .filter(pk__in={r.client_id for r in all_roles})
        .values_list("pk", flat=True)
    )
    for role in all_roles:
        roles.setdefault(role.contact_id, []).append(role)
    first: dict[tuple[Any, str], str] = {}
    for point in (
        ContactPoint.objects.filter(
            contact_id__in=ids, channel__in=[ChannelKind.PHONE, ChannelKind.EMAIL]
        )
        .order_by("position")
        .only("contact_id", "channel", "value")
    ):
        first.setdefault((point.contact_id, point.channel), point.value)
    for contact in contacts:
        linked = roles.get(contact.pk, [])
        shown = can_see_contact_details(actor, contact, [r.client for r in linked])
        _attach(
            contact,
            visible_roles=[r for r in linked if r.client_id in visible],
            masked=not shown,
            first_phone=first.get((contact.pk, ChannelKind.PHONE), "") if shown else "",
            first_email=first.get((contact.pk, ChannelKind.EMAIL), "") if shown else "",
        )
    return contacts


_ADDRESS_COLUMNS = ("type", "country", "postal_code", "region", "city", "street")


def client_page_details(clients: list[Client], *, actor: User) -> list[Client]:
    """Attach every contact point, address and category id to a page of clients in three
    queries that build no model instances (the API list): ``page_points`` as
    ``{channel: [{"value", "type"}]}``, ``page_addresses`` and ``page_tag_ids``. The
    details of confidential clients ``actor`` may not see are not even read."""
    from .access import can_see_details

    shown = [c.pk for c in clients if can_see_details(actor, c)]
    points: dict[Any, dict[str, list[dict[str, str]]]] = {}
    addresses: dict[Any, list[dict[str, str]]] = {}
    tag_ids: dict[Any, list[Any]] = {}
    if shown:
        for client_id, channel, value, kind in (
            ContactPoint.objects.filter(client_id__in=shown)
            .order_by("channel", "position")
            .values_list("client_id", "channel", "value", "type")
        ):
            points.setdefault(client_id, {}).setdefault(channel, []).append(
                {"value": value, "type": kind}
            )
        for row in (
            Address.objects.filter(client_id__in=shown)
            .order_by("type", "id")
            .values_list("client_id", *_ADDRESS_COLUMNS)
        ):
            addresses.setdefault(row[0], []).append(
                dict(zip(_ADDRESS_COLUMNS, row[1:], strict=True))
            )
    if clients:
        for client_id, tag_id in (
            Client.tags.through.objects.filter(client_id__in=[c.pk for c in clients])
            .order_by("tag__name")
            .values_list("client_id", "tag_id")
        ):
            tag_ids.setdefault(client_id, []).append(tag_id)
    for client in clients:
        _attach(
            client,
            page_points=points.get(client.pk, {}),
            page_addresses=addresses.get(client.pk, []),
            page_tag_ids=tag_ids.get(client.pk, []),
        )
    return clients


# --- merged ids -----------------------------------------------------------------------


def _alias_target(model: type[Any], pk: Any) -> Any:
    """The live record a merged record's id now stands for (following merges of merges)."""
    import uuid

    from rapport.core.models import RecordAlias

    content_type = ContentType.objects.get_for_model(model)
    current, seen = str(pk), set[str]()
    while current not in seen and len(seen) < 10:
        seen.add(current)
        new_id = (
            RecordAlias.objects.filter(content_type=content_type, old_id=current)
            .values_list("new_id", flat=True)
            .first()
        )
        if new_id is None:
            break
        current = new_id
    if current == str(pk):
        return None
    try:
        return uuid.UUID(current)
    except ValueError:
        return None


def client_alias_target(pk: Any) -> Any:
    """``UUID`` of the client that client ``pk`` was merged into, or None.

    Card views and API retrieve call it when the id is not found (or is in the trash)
    and answer a redirect to the survivor; visibility is checked on the survivor.
    """
    return _alias_target(Client, pk)


def contact_alias_target(pk: Any) -> Any:
    """``UUID`` of the contact person that contact ``pk`` was merged into, or None."""
    return _alias_target(ContactPerson, pk)
