"""Fast inserts of new records and their history rows for large imports.

``bulk_create`` builds a model instance per row and compiles every value through the
ORM's generic insert compiler, which costs more than the database's own work at a
million rows. Here a ``Rows`` buffer collects plain lists in the table's column order:
each column's preparing function and default are chosen once per model (plain values
pass as they are; other types go through the field's own ``get_db_prep_save``, exactly
what Django would send), and ``flush`` sends them with ``COPY`` on PostgreSQL or
``executemany`` elsewhere, on the connection (and in the transaction) of the caller.
No model instance is ever built and no signal is sent.

History rows are those simple-history's ``bulk_history_create`` writes: the tracked
fields, ``history_date``, ``history_type`` "+" and the importing user.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import lru_cache
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
_HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _uuid_hex(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, str) and len(value) == 32:  # already hex (``core.ids.new_id_hex``)
        return value
    return uuid.UUID(str(value)).hex


def _preparer(field: models.Field, conn: Any) -> Callable[[Any], Any] | None:
    """The function turning a Python value into what the driver gets; None: as it is."""
    target = field.target_field if field.is_relation else field
    postgres = conn.vendor == "postgresql"
    if isinstance(target, models.UUIDField):
        # SQLite stores the hex form; COPY sends text that the server parses per column
        # type, and a str goes through psycopg's C dumper (its UUID dumper is Python).
        return _uuid_hex
    if isinstance(target, _PLAIN) and not isinstance(target, models.JSONField):
        return None
    if postgres and isinstance(target, models.DateTimeField | models.DateField):
        return None
    prep = field.get_db_prep_save
    if postgres and isinstance(target, models.JSONField):
        # JSON text, parsed by the server as the column's jsonb (COPY text format).
        encoder = field.encoder
        return lambda value: "{}" if value == {} else json.dumps(value, cls=encoder)
    if isinstance(target, models.JSONField):
        empty = prep({}, conn)
        return lambda value: empty if value == {} else prep(value, conn)
    return lambda value: prep(value, conn)


class _Layout:
    """A table's columns, preparers and defaults (one per model and connection)."""

    def __init__(self, model: type[Model], conn: Any) -> None:
        fields = [
            f
            for f in model._meta.local_concrete_fields
            if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
        ]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.prep = [_preparer(f, conn) for f in fields]
        self.template: list[Any] = []
        self.callables: list[tuple[str, int, Callable[[], Any]]] = []
        for i, f in enumerate(fields):
            if f.has_default() and callable(f.default):
                self.callables.append((f.attname, i, f.default))
                self.template.append(None)
            else:
                value = f.get_default()
                prep = self.prep[i]
                self.template.append(prep(value) if prep and value is not None else value)

    def row(self, values: dict[str, Any], now: Any = None) -> list[Any]:
        """``now``: the time for columns defaulting to ``timezone.now`` (one per batch)."""
        row = self.template.copy()
        index, prep = self.index, self.prep
        for name, value in values.items():
            i = index[name]
            fn = prep[i]
            row[i] = value if fn is None or value is None else fn(value)
        for name, i, default in self.callables:
            if name not in values:
                fn = prep[i]
                value = now if now is not None and default is timezone.now else default()
                row[i] = value if fn is None else fn(value)
        return row


@lru_cache(maxsize=64)
def _layout(model: type[Model], alias: str, vendor: str) -> _Layout:
    return _Layout(model, connections[alias])


def _copy_text_formatter() -> Callable[[list[Any]], bytes]:
    """A row -> its line of ``COPY ... FROM STDIN`` text (psycopg's own C formatter), so
    that the parsing thread formats the rows it builds while this one waits for the
    server. Values are plain Python (the preparers above have run)."""
    from psycopg._copy_base import format_row_text
    from psycopg.adapt import Transformer

    transformer = Transformer()

    def line(row: list[Any]) -> bytes:
        out = bytearray()
        format_row_text(row, transformer, out)
        return bytes(out)

    return line


def _insert(conn: Any, table: str, columns: list[str], rows: list[Any]) -> None:
    if not rows:
        return
    quote = conn.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # Rows are COPY text lines already (``Rows.build``).
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                copy.write(b"".join(rows))
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


class Rows:
    """New rows of one model (and of its history when ``history_user`` is given)."""

    def __init__(self, model: type[Model], *, history_user: Any = False) -> None:
        self.conn = connections[DEFAULT_DB_ALIAS]
        self.layout = _layout(model, DEFAULT_DB_ALIAS, self.conn.vendor)
        # PostgreSQL: rows are kept as COPY text lines, formatted where they are built.
        self._line = _copy_text_formatter() if self.conn.vendor == "postgresql" else None
        self.rows: list[Any] = []
        self.history: list[Any] = []
        # One "now" for the rows of a buffer (one chunk, written in one transaction).
        self.now = timezone.now()
        self.history_layout: _Layout | None = None
        if history_user is not False:
            history = model.history.model  # type: ignore[attr-defined]
            layout = _layout(history, DEFAULT_DB_ALIAS, self.conn.vendor)
            self.history_layout = layout
            fixed = layout.row(
                {
                    "history_date": timezone.now(),
                    "history_change_reason": None,
                    "history_type": "+",
                    "history_user_id": getattr(history_user, "pk", None),
                }
            )
            self._history_template = fixed
            self._pairs = [
                (hi, self.layout.index[name])
                for name, hi in layout.index.items()
                if name not in _HISTORY_EXTRA and name in self.layout.index
            ]

    def __len__(self) -> int:
        return len(self.rows)

    def build(self, values: dict[str, Any]) -> tuple[Any, Any]:
        """A row (and its history row) from ``values`` by attname (``client_id``, not
        ``client``), Python values; ``append`` adds it. Needs no database."""
        row = self.layout.row(values, self.now)
        history = None
        if self.history_layout is not None:
            history = self._history_template.copy()
            for hi, i in self._pairs:
                history[hi] = row[i]
        line = self._line
        if line is None:
            return row, history
        return line(row), None if history is None else line(history)

    def append(self, built: tuple[Any, Any]) -> None:
        row, history = built
        self.rows.append(row)
        if history is not None:
            self.history.append(history)

    def add(self, values: dict[str, Any]) -> None:
        self.append(self.build(values))

    def flush(self) -> None:
        layout = self.layout
        _insert(self.conn, layout.table, layout.columns, self.rows)
        if self.history_layout is not None:
            hl = self.history_layout
            _insert(self.conn, hl.table, hl.columns, self.history)
        self.rows, self.history = [], []
