"""Applying what 1C sends to our records: one set of rules for every channel.

Each kind of object (client, contact person, product, payment...) is a registered
``Target`` whose create and update functions are the apps' own services, so history,
validation and access rules apply to exchanged data exactly as to typed-in data.

``ExchangeRun.upsert`` finds our record by the connection's external id (or a natural
key), then decides field by field with the ownership policy and what 1C said last time
(``SyncState``):

- 1C is master: its value is written;
- the CRM is master: the CRM's value stays;
- shared: if the CRM still holds what 1C sent last time, 1C's new value is written; if 1C
  did not change it, the CRM's stays; if both changed it, a ``Conflict`` is opened for a
  person and the CRM's value stays.

Re-running a package changes nothing: an object whose content is what 1C sent last time is
"unchanged" without even being read. Every object is applied in a savepoint; a refusal
becomes a ``Rejection`` with the reason in plain words and nothing of it is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.models import ExternalId, User
from rapport.exchange.models import (
    Conflict,
    ConflictStatus,
    Connection,
    ExchangeSession,
    Owner,
    Rejection,
    SyncState,
)

from . import policy
from .sessions import session_count


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Target:
    """How one kind of object is read and written.

    ``create(run, values)`` and ``update(run, obj, changes)`` call the app's services with
    ``run.actor``; values are JSON-like (strings, numbers, lists, dicts; a related record
    as its id) so that a conflict's stored value can be written back later.
    ``current(obj, fields)`` gives the CRM's values in the same shape; ``comparable(field,
    value)`` folds both sides before comparing (phone formats, letter case...).
    """

    name: str
    model: type[Model]
    create: Callable[[ExchangeRun, dict[str, Any]], Model]
    update: Callable[[ExchangeRun, Model, dict[str, Any]], Model]
    current: Callable[[Model, Iterable[str]], dict[str, Any]] | None = None
    comparable: Callable[[str, Any], Any] | None = None
    label: Callable[[Model], str] = str


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    TARGETS[target.name] = target
    return target


def decimal_text(value: Decimal) -> str:
    """A decimal as 1C and JSON want it: no exponent, no trailing zeros, never "-0"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def json_value(value: Any) -> Any:
    """A value as JSON can keep it: records by id, decimals and dates as text."""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def digest(values: dict[str, Any]) -> str:
    """A fingerprint of what 1C sent for one object: equal means nothing to apply."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def readable(exc: Exception) -> str:
    """An exception as one line for a person: fields named, messages joined."""
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            text = " ".join(str(m) for m in messages)
            parts.append(text if name == "__all__" else f"{name}: {text}")
        return "; ".join(parts)
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or exc.__class__.__name__


_MISSING = object()


@dataclass
class ExchangeRun:
    """The context of applying one session's objects (or a person's conflict decision)."""

    connection: Connection
    session: ExchangeSession | None = None
    actor: User | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {o.value: 0 for o in Outcome}, repr=False
    )
    _owners: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _types: dict[type[Model], ContentType] = field(default_factory=dict, repr=False)

    @classmethod
    def for_session(cls, session: ExchangeSession) -> ExchangeRun:
        actor = session.user or session.connection.run_as
        return cls(connection=session.connection, session=session, actor=actor)

    # --- external ids -------------------------------------------------------------------

    def content_type(self, model: type[Model]) -> ContentType:
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model)
        return self._types[model]

    def find_ids(self, model: type[Model], external_ids: Iterable[str]) -> dict[str, str]:
        """{external id: our id} for the ones this connection already knows (one query)."""
        wanted = [str(e) for e in external_ids if e]
        if not wanted:
            return {}
        return dict(
            ExternalId.objects.filter(
                content_type=self.content_type(model),
                system=self.connection.system,
                value__in=wanted,
            ).values_list("value", "object_id")
        )

    def find(self, model: type[Model], external_id: str) -> Model | None:
        object_id = self.find_ids(model, [external_id]).get(str(external_id))
        if object_id is None:
            return None
        return model._default_manager.filter(pk=object_id).first()

    def link(self, obj: Model, external_id: str) -> None:
        """Remember ``obj`` as ``external_id`` in this connection's system (idempotent)."""
        content_type = self.content_type(type(obj))
        known = ExternalId.objects.filter(
            content_type=content_type, system=self.connection.system, value=str(external_id)
        )
        if not known.filter(object_id=str(obj.pk)).exists():
            known.delete()
            ExternalId.objects.create(
                content_type=content_type,
                system=self.connection.system,
                value=str(external_id),
                object_id=str(obj.pk),
            )

    def external_id_of(self, obj: Model) -> str | None:
        return (
            ExternalId.objects.filter(
                content_type=self.content_type(type(obj)),
                system=self.connection.system,
                object_id=str(obj.pk),
            )
            .values_list("value", flat=True)
            .first()
        )

    # --- what 1C said last time ------------------------------------------------------------

    def state_of(self, obj: Model) -> SyncState | None:
        """What this connection last received about ``obj``."""
        return SyncState.objects.filter(
            connection=self.connection,
            content_type=self.content_type(type(obj)),
            object_id=str(obj.pk),
        ).first()

    def states_of(self, model: type[Model], object_ids: Iterable[str]) -> dict[str, Any]:
        """{our id: values 1C last sent} for many records of ``model`` (one query)."""
        return dict(
            SyncState.objects.filter(
                connection=self.connection,
                content_type=self.content_type(model),
                object_id__in=[str(i) for i in object_ids],
            ).values_list("object_id", "values")
        )

    # --- counting and rejections ---------------------------------------------------------

    def count(self, outcome: str, n: int = 1) -> None:
        self.counts[str(outcome)] = self.counts.get(str(outcome), 0) + n

    def reject(
        self, target: str, reason: str, *, external_id: str = "", label: str = "", file: str = ""
    ) -> None:
        self.count(Outcome.REJECTED)
        if self.session is not None:
            Rejection.objects.create(
                session=self.session,
                target=target,
                external_id=str(external_id)[:200],
                label=str(label)[:300],
                file=file[:255],
                reason=reason,
            )

    def flush(self) -> None:
        """Add the counts gathered so far to the session (the log shows them)."""
        if self.session is not None:
            session_count(self.session, self.counts)
        self.counts = {o.value: 0 for o in Outcome}

    # --- applying -----------------------------------------------------------------------

    def owner(self, target: str, field_name: str) -> str:
        if target not in self._owners:
            self._owners[target] = policy.owners_for(self.connection, target)
        return policy.owner_of(self.connection, target, field_name, overrides=self._owners[target])

    def upsert(
        self,
        *,
        target: str,
        external_id: str,
        values: dict[str, Any],
        label: str = "",
        match: Callable[[], Model | None] | None = None,
        file: str = "",
    ) -> tuple[Outcome, Model | None]:
        """Create or update the record 1C knows as ``external_id`` (see the module doc)."""
        spec = TARGETS[target]
        incoming = {k: json_value(v) for k, v in values.items()}
        described = label or str(external_id)
        try:
            with transaction.atomic():
                outcome, obj = self._upsert(spec, str(external_id), incoming, match)
        except (ValidationError, PermissionDenied, ValueError) as exc:
            self.reject(
                target,
                _("%(object)s (1C id %(id)s): %(reason)s")
                % {"object": described, "id": external_id, "reason": readable(exc)},
                external_id=external_id,
                label=described,
                file=file,
            )
            return Outcome.REJECTED, None
        self.count(outcome)
        return outcome, obj

    def _upsert(
        self,
        spec: Target,
        external_id: str,
        incoming: dict[str, Any],
        match: Callable[[], Model | None] | None,
    ) -> tuple[Outcome, Model]:
        content_type = self.content_type(spec.model)
        obj = self.find(spec.model, external_id) if external_id else None
        linked = obj is not None
        if obj is None and match is not None:
            obj = match()
        if obj is None:
            obj = spec.create(self, incoming)
            if external_id:
                self.link(obj, external_id)
            self._remember(content_type, obj, incoming)
            return Outcome.CREATED, obj
        if getattr(obj, "deleted_at", None) is not None:
            raise ValidationError(
                _("the record is in the CRM's trash; restore it to receive 1C's changes.")
            )
        if external_id and not linked:
            self.link(obj, external_id)
        state = self.state_of(obj)
        if state is not None and state.digest == digest(incoming):
            return Outcome.UNCHANGED, obj
        changes = self.decide(spec, obj, incoming, state.values if state else None)
        if changes:
            obj = spec.update(self, obj, changes)
        self._remember(content_type, obj, incoming, state=state)
        return (Outcome.UPDATED if changes else Outcome.UNCHANGED), obj

    def decide(
        self,
        spec: Target,
        obj: Model,
        incoming: dict[str, Any],
        last_sent: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The fields to write; opens conflicts for shared fields both sides changed."""
        fold = spec.comparable or (lambda _name, value: value)
        current = (spec.current or _attributes)(obj, incoming.keys())
        changes: dict[str, Any] = {}
        for name, new in incoming.items():
            crm = current.get(name)
            if fold(name, new) == fold(name, crm):
                continue
            owner = self.owner(spec.name, name)
            if owner == Owner.EXTERNAL:
                changes[name] = new
            elif owner == Owner.CRM:
                continue
            else:
                old = (last_sent or {}).get(name, _MISSING)
                if old is not _MISSING and fold(name, old) == fold(name, crm):
                    changes[name] = new  # only 1C changed it
                elif old is not _MISSING and fold(name, old) == fold(name, new):
                    continue  # only the CRM changed it
                elif old is _MISSING and _is_empty(crm):
                    changes[name] = new  # first exchange fills a blank
                else:
                    self._open_conflict(spec, obj, name, crm, new)
        return changes

    def _open_conflict(self, spec: Target, obj: Model, name: str, crm: Any, new: Any) -> None:
        content_type = self.content_type(spec.model)
        existing = Conflict.objects.filter(
            connection=self.connection,
            content_type=content_type,
            object_id=str(obj.pk),
            field=name,
            status=ConflictStatus.OPEN,
        ).first()
        if existing is not None:
            if existing.external_value != new or existing.crm_value != crm:
                existing.external_value, existing.crm_value = new, crm
                existing.session = self.session
                existing.save(update_fields=["external_value", "crm_value", "session"])
            return
        Conflict.objects.create(
            connection=self.connection,
            session=self.session,
            content_type=content_type,
            object_id=str(obj.pk),
            target=spec.name,
            field=name,
            crm_value=json_value(crm),
            external_value=new,
        )

    def _remember(
        self,
        content_type: ContentType,
        obj: Model,
        incoming: dict[str, Any],
        *,
        state: SyncState | None = None,
    ) -> None:
        if state is None:
            state = SyncState(
                connection=self.connection, content_type=content_type, object_id=str(obj.pk)
            )
        state.values = {**(state.values or {}), **incoming}
        state.digest = digest(incoming)
        state.updated_at = timezone.now()
        state.save()


def _attributes(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    """The record's own field values, related records by id."""
    values: dict[str, Any] = {}
    for name in names:
        try:
            model_field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # not a model field: the target's current() reads it
            values[name] = None
            continue
        attname = getattr(model_field, "attname", name)
        values[name] = json_value(getattr(obj, attname, None))
    return values


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def write_external_value(
    *, connection: Connection, actor: User, conflict: Conflict
) -> Model | None:
    """Apply 1C's side of a conflict to the record (a person decided so)."""
    spec = TARGETS[conflict.target]
    obj = spec.model._default_manager.filter(pk=conflict.object_id).first()
    if obj is None:
        return None
    run = ExchangeRun(connection=connection, actor=actor)
    return spec.update(run, obj, {conflict.field: conflict.external_value})
