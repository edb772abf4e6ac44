"""Every write of interactions and client interests, with its business rules.

Services take keyword-only arguments and ``actor=``; they validate everything before they
write and raise django ``ValidationError`` keyed by field name (the API answers 400 naming
the field, forms show it under the field) or ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core import services as core_services
from rapport.core.access import require_writer as _require_writer
from rapport.core.history import save_as
from rapport.core.models import Role, User
from rapport.parties.models import Client, ContactRole

from .access import details_visible
from .models import REQUIRABLE_FIELDS, ClientInterest, Interaction, InteractionType, Interest

MAX_DURATION = 7 * 24 * 60  # a week, in minutes
_TEXT_FIELDS = ("subject", "description", "result", "next_step")


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _visible_client(actor: User, value: Any) -> Client:
    try:
        return access.visible_to(actor, Client).get(pk=_pk(value))
    except (Client.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise ValidationError({"client": [_("Unknown client.")]}) from exc


def _aware(value: Any, actor: User) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({"date": [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        zone: dt.tzinfo
        try:
            zone = zoneinfo.ZoneInfo(actor.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)


def _resolve_link(actor: User, link: tuple[str, Any] | None) -> tuple[Any, str]:
    """``("app_label.model", id)`` of a record the actor may see, or (None, "")."""
    if not link or not link[0]:
        return None, ""
    label, object_id = link
    try:
        model = apps.get_model(str(label))
    except (LookupError, ValueError) as exc:
        raise ValidationError({"link_type": [_("Unknown kind of record.")]}) from exc
    if not access.has_rule(model):
        raise ValidationError({"link_type": [_("Interactions cannot be linked to this record.")]})
    try:
        found = access.visible_to(actor, model).filter(pk=object_id).exists()
    except (ValueError, TypeError, ValidationError):
        found = False
    if not found:
        raise ValidationError({"link_id": [_("Unknown record.")]})
    return ContentType.objects.get_for_model(model), str(object_id)


def _users(ids: Iterable[Any], *, field: str) -> list[User]:
    wanted = {str(_pk(i)) for i in ids}
    if not wanted:
        return []
    try:
        users = list(User.objects.filter(pk__in=wanted, is_active=True))
    except (ValueError, ValidationError) as exc:
        raise ValidationError({field: [_("Enter valid user ids.")]}) from exc
    if len(users) != len(wanted):
        raise ValidationError({field: [_("Unknown or inactive user.")]})
    return users


def _contacts(client: Client, ids: Iterable[Any]) -> list[Any]:
    wanted: set[Any] = {str(_pk(i)) for i in ids}
    if not wanted:
        return []
    try:
        roles = list(
            ContactRole.objects.filter(
                client=client, contact_id__in=wanted, contact__deleted_at__isnull=True
            ).select_related("contact")
        )
    except (ValueError, ValidationError) as exc:
        raise ValidationError({"contacts": [_("Enter valid contact person ids.")]}) from exc
    if len(roles) != len(wanted):
        raise ValidationError({"contacts": [_("Choose contact persons of this client.")]})
    return [r.contact for r in roles]


def _manager(value: Any, actor: User) -> User | None:
    if value in (None, ""):
        return None
    found = User.objects.filter(pk=_pk(value), is_active=True).exclude(role=Role.READ_ONLY).first()
    if found is None:
        raise ValidationError({"manager": [_("Choose an active user who may write.")]})
    return found


def _check_required(
    itype: InteractionType, values: dict[str, Any], *, planned: bool
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in itype.required_fields or []:
        if name == "result" and planned:
            continue  # a planned interaction has no result yet
        if name in REQUIRABLE_FIELDS and values.get(name) in (None, "", [], ()):
            errors[name] = [
                _("“%(type)s” requires this field.") % {"type": itype.name},
            ]
    return errors


def _clean(actor: User, data: dict[str, Any], *, instance: Interaction | None) -> dict[str, Any]:
    """Validate every field at once (all errors in one answer); nothing is written."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        out[name] = str(data.get(name) or "").strip()
    if not out["subject"]:
        errors["subject"] = [_("Enter a subject.")]
    for name, limit in (("subject", 300), ("next_step", 500)):
        if len(out[name]) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    itype = data.get("type")
    if not isinstance(itype, InteractionType):
        itype = InteractionType.objects.filter(pk=_pk(itype)).first() if itype else None
    if itype is None or (
        not itype.is_active and (instance is None or instance.type_id != itype.pk)
    ):
        errors["type"] = [_("Choose an active interaction type.")]
    duration = data.get("duration")
    if duration not in (None, ""):
        try:
            duration = int(duration)
        except (TypeError, ValueError):
            duration = -1
        if not 0 <= duration <= MAX_DURATION:
            errors["duration"] = [_("Enter minutes between 0 and %(n)d.") % {"n": MAX_DURATION}]
    out["duration"] = None if duration in (None, "") else duration
    out["planned"] = bool(data.get("planned"))
    steps = (
        ("client", lambda: _visible_client(actor, data.get("client"))),
        ("date", lambda: _aware(data.get("date"), actor)),
        ("participants", lambda: _users(data.get("participants") or (), field="participants")),
        ("manager", lambda: _manager(data.get("manager"), actor)),
        ("link", lambda: _resolve_link(actor, data.get("link"))),
    )
    for name, step in steps:
        try:
            out[name] = step()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if "client" in out:
        try:
            out["contacts"] = _contacts(out["client"], data.get("contacts") or ())
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if itype is not None and "type" not in errors:
        out["type"] = itype
        errors.update(
            {
                k: v
                for k, v in _check_required(itype, out, planned=out["planned"]).items()
                if k not in errors
            }
        )
    if errors:
        raise ValidationError(errors)
    return out


def _apply(actor: User, interaction: Interaction, values: dict[str, Any]) -> Interaction:
    link_type, link_id = values.pop("link")
    contacts = values.pop("contacts")
    participants = values.pop("participants")
    for name, value in values.items():
        setattr(interaction, name, value)
    interaction.link_type, interaction.link_id = link_type, link_id
    interaction.updated_at = timezone.now()
    save_as(actor, interaction)
    interaction.contacts.set(contacts)
    interaction.participants.set(participants)
    return interaction


@transaction.atomic
def interaction_create(
    *,
    actor: User,
    client: Any,
    type: Any,
    subject: str,
    date: dt.datetime | None = None,
    duration: int | None = None,
    description: str = "",
    result: str = "",
    next_step: str = "",
    planned: bool = False,
    contacts: Iterable[Any] = (),
    participants: Iterable[Any] = (),
    manager: Any = None,
    link: tuple[str, Any] | None = None,
) -> Interaction:
    """Log a contact with a client (done) or plan one. The manager defaults to the actor."""
    _require_writer(actor)
    values = _clean(
        actor,
        {
            "client": client,
            "type": type,
            "subject": subject,
            "date": date or timezone.now(),
            "duration": duration,
            "description": description,
            "result": result,
            "next_step": next_step,
            "planned": planned,
            "contacts": contacts,
            "participants": participants,
            "manager": manager or actor,
            "link": link,
        },
        instance=None,
    )
    interaction = Interaction(created_by=actor)
    return _apply(actor, interaction, values)


_UPDATABLE = (
    "client",
    "type",
    "subject",
    "date",
    "duration",
    "description",
    "result",
    "next_step",
    "planned",
    "manager",
)


@transaction.atomic
def interaction_update(*, actor: User, interaction: Interaction, **changes: Any) -> Interaction:
    """Change the given fields (the others keep their values)."""
    _require_edit(actor, interaction)
    unknown = set(changes) - set(_UPDATABLE) - {"contacts", "participants", "link"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    data: dict[str, Any] = {name: getattr(interaction, name) for name in _UPDATABLE}
    data["contacts"] = list(interaction.contacts.values_list("pk", flat=True))
    data["participants"] = list(interaction.participants.values_list("pk", flat=True))
    link = interaction.link_type
    data["link"] = (f"{link.app_label}.{link.model}", interaction.link_id) if link else None
    data.update(changes)
    values = _clean(actor, data, instance=interaction)
    if values["planned"]:
        interaction.completed_at = None
    elif interaction.planned:
        interaction.completed_at = timezone.now()
    return _apply(actor, interaction, values)


def _require_edit(actor: User, interaction: Interaction) -> None:
    if not access.can_edit(actor, interaction) or not details_visible(actor, interaction):
        raise PermissionDenied(_("You may not change this interaction."))


@transaction.atomic
def interaction_complete(
    *,
    actor: User,
    interaction: Interaction,
    result: str,
    next_step: str | None = None,
    date: dt.datetime | None = None,
    duration: int | None = None,
) -> Interaction:
    """A planned interaction took place: record its result (required)."""
    _require_edit(actor, interaction)
    errors: dict[str, list[str]] = {}
    if not interaction.planned:
        errors["planned"] = [_("This interaction is already done.")]
    if not (result or "").strip():
        errors["result"] = [_("Enter the result.")]
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {"result": result, "planned": False}
    if next_step is not None:
        changes["next_step"] = next_step
    if date is not None:
        changes["date"] = date
    if duration is not None:
        changes["duration"] = duration
    return interaction_update(actor=actor, interaction=interaction, **changes)


def interaction_trash(*, actor: User, interaction: Interaction) -> None:
    _require_edit(actor, interaction)
    core_services.record_trash(actor=actor, record=interaction)


def interaction_restore(*, actor: User, interaction: Interaction) -> None:
    core_services.record_restore(actor=actor, record=interaction)


# --- client interests -----------------------------------------------------------------


@transaction.atomic
def client_interest_add(
    *,
    actor: User,
    client: Any,
    interest: Any,
    noted_on: dt.date | None = None,
    source: Any = None,
    note: str = "",
) -> ClientInterest:
    """Record that a client expressed an interest; recording it again updates the date,
    the source interaction and the note."""
    _require_writer(actor)
    found_client = _visible_client(actor, client)
    errors: dict[str, list[str]] = {}
    item = Interest.objects.filter(pk=_pk(interest), is_active=True).first() if interest else None
    if item is None:
        errors["interest"] = [_("Choose an interest from the catalogue.")]
    source_obj = None
    if source:
        visible = access.visible_to(actor, Interaction)
        source_obj = visible.filter(pk=_pk(source), client=found_client).first()
        if source_obj is None:
            errors["source"] = [_("Choose an interaction with this client.")]
    if len(note or "") > 300:
        errors["note"] = [_("At most %(n)d characters.") % {"n": 300}]
    if errors:
        raise ValidationError(errors)
    record, _created = ClientInterest.objects.update_or_create(
        client=found_client,
        interest=item,
        defaults={
            "noted_on": noted_on or timezone.localdate(),
            "source": source_obj,
            "note": (note or "").strip(),
            "created_by": actor,
        },
    )
    return record


def client_interest_remove(*, actor: User, client_interest: ClientInterest) -> None:
    if not access.can_edit(actor, client_interest):
        raise PermissionDenied(_("You may not change this client."))
    client_interest.delete()
