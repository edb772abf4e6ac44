"""Visibility of documents, registered with rapport.core.access.

A generated document is visible exactly when its record is (the record's own rule decides,
through the registry's model for the document's target). Templates are read by everyone;
only administrators change them (the services check that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import CharField, Func, Q, QuerySet

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

from rapport.core import access
from rapport.core.models import User

from . import registry
from .models import DocumentTemplate, GeneratedDocument


def _documents_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Documents whose record the actor sees: one subquery per registered target."""
    condition = Q(pk__in=[])
    for target in registry.targets():
        records = access.visible_to(actor, target.model)
        # object_id is text: compare with the keys as text (UUID or integer keys alike).
        condition |= Q(target=target.key, object_id__in=_as_text(records))
    return qs.filter(condition)


class _KeyText(Func):
    """A primary key as the text ``object_id`` stores (``str(pk)``): hyphenated UUIDs on
    every database (SQLite keeps UUIDs as 32 hex digits, PostgreSQL as ``uuid``)."""

    output_field = CharField()

    def __init__(self, expression: Any, *, is_uuid: bool) -> None:
        super().__init__(expression)
        self.is_uuid = is_uuid

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.is_uuid:
            return f"CAST({sql} AS varchar(64))", params
        if connection.vendor == "postgresql":
            return f"({sql})::text", params
        if connection.vendor == "sqlite":
            parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
            joined = " || '-' || ".join(f"substr({sql}, {a}, {n})" for a, n in parts)
            return f"lower({joined})", params * len(parts)
        return f"CAST({sql} AS char(36))", params


def _as_text(ids: QuerySet[Any]) -> QuerySet[Any]:
    is_uuid = ids.model._meta.pk.get_internal_type() == "UUIDField"
    return ids.annotate(_key=_KeyText("pk", is_uuid=is_uuid)).values("_key")


def _document_editable(actor: User, document: GeneratedDocument) -> bool:
    if not actor.can_write:
        return False
    try:
        target = registry.get_target(document.target)
    except registry.UnknownTarget:
        return False
    record = access.visible_to(actor, target.model).filter(pk=document.object_id).first()
    return record is not None and access.can_edit(actor, record)


def _templates_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


access.register(GeneratedDocument, visible=_documents_visible, editable=_document_editable)
access.register(DocumentTemplate, visible=_templates_visible)
