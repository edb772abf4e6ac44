"""Fast inserts of new records and their history rows for large imports.

``bulk_create`` compiles every value through the ORM's generic insert compiler, which
costs more than the database's own work at a million rows. Here each column gets one
preparing function, chosen once per model (plain values pass as they are; other types
go through the field's own ``get_db_prep_save``, exactly what Django would send), and
the rows go in with ``COPY`` on PostgreSQL or ``executemany`` elsewhere, on the
connection (and in the transaction) of the caller. History rows are those
simple-history's ``bulk_history_create`` writes: the tracked fields, ``history_date``,
``history_type`` "+" and the importing user.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Model
from django.utils import timezone

_PLAIN = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.SlugField,
)


def _uuid_hex(value: Any) -> Any:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def _uuid_pg(value: Any) -> Any:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _preparer(field: models.Field, conn: Any) -> Callable[[Any], Any]:
    target = field.target_field if field.is_relation else field
    postgres = conn.vendor == "postgresql"
    if isinstance(target, models.UUIDField):
        return _uuid_pg if postgres else _uuid_hex
    if isinstance(target, _PLAIN) and not isinstance(target, models.JSONField):
        return lambda value: value
    if postgres and isinstance(target, models.DateTimeField | models.DateField):
        return lambda value: value
    prep = field.get_db_prep_save
    return lambda value: prep(value, conn)


def _insert(conn: Any, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        return
    quote = conn.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def insert(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT ``objs`` of ``model`` (no signals); a database-generated key is left out."""
    if not objs:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [
        f
        for f in model._meta.local_concrete_fields
        if not (f.primary_key and getattr(objs[0], f.attname) is None)
    ]
    prep = [(f.attname, _preparer(f, conn)) for f in fields]
    rows = [[fn(getattr(obj, attname)) for attname, fn in prep] for obj in objs]
    _insert(conn, model._meta.db_table, [f.column for f in fields], rows)


def insert_with_history(model: type[Model], objs: Sequence[Model], *, user: Any) -> None:
    if not objs:
        return
    insert(model, objs)
    conn = connections[DEFAULT_DB_ALIAS]
    history = model.history.model  # type: ignore[attr-defined]
    extra = {
        "history_date": timezone.now(),
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": getattr(user, "pk", None),
    }
    fields = [f for f in history._meta.local_concrete_fields if f.attname != "history_id"]
    fixed = {f.attname: _preparer(f, conn)(extra[f.attname]) for f in fields if f.attname in extra}
    prep = [(f.attname, _preparer(f, conn)) for f in fields if f.attname not in extra]
    order = [f.attname for f in fields]
    rows = []
    for obj in objs:
        values = {attname: fn(getattr(obj, attname)) for attname, fn in prep}
        values.update(fixed)
        rows.append([values[name] for name in order])
    _insert(conn, history._meta.db_table, [f.column for f in fields], rows)
