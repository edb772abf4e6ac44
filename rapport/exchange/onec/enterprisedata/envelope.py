"""The EnterpriseData message envelope: the header, message numbering and format versions.

A message is ``<Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">`` holding a
``msg:Header`` (Format, CreationDate, Confirmation{ExchangePlan, To, From, MessageNo,
ReceivedNo}, AvailableVersion..., and in a handshake NewFrom, AvailableObjectTypes,
SynchronizationContour) and, for data messages, a ``Body`` in the namespace
``http://v8.1c.ru/edi/edi_stnd/EnterpriseData/<version>``.

Numbering (the rules 1C's exchange subsystem follows; see README.md here):

* we number the data messages we send 1, 2, 3...; ``ReceivedNo`` in each one tells 1C the
  number of the last message we took from it;
* a message from 1C numbered at or below the last one we took is a duplicate and is
  skipped (its ``ReceivedNo`` still acknowledges our messages);
* 1C's ``ReceivedNo`` acknowledges our messages up to that number; what went out in a
  message not yet acknowledged is sent again in the next one.

The state lives in ``Connection.options["ed_state"]`` (``STATE_KEY``), changed only under
a row lock on the connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.exchange.models import Connection
from rapport.exchange.onec import xml

MSG_NS = "http://www.1c.ru/SSL/Exchange/Message"
FORMAT_BASE = "http://v8.1c.ru/edi/edi_stnd/EnterpriseData"
EXCHANGE_PLAN = "СинхронизацияДанныхЧерезУниверсальныйФормат"

# Versions whose objects this module writes and reads (the subset of fields used is the
# same in all of them [mem]). Offered by default: the conservative three.
KNOWN_VERSIONS = ("1.8", "1.10", "1.11", "1.13", "1.17", "1.19", "1.20", "1.22")
DEFAULT_VERSIONS = ("1.8", "1.10", "1.11")

STATE_KEY = "ed_state"

_VERSION = re.compile(r"^\d+\.\d+$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def body_namespace(version: str) -> str:
    return f"{FORMAT_BASE}/{version}"


def negotiate(offered: Iterable[str], supported: Iterable[str]) -> str | None:
    """The highest version both sides have, or None."""
    common = {v for v in offered if _VERSION.match(v)} & {v for v in supported if _VERSION.match(v)}
    return max(common, key=version_key) if common else None


class EnvelopeError(ValueError):
    """A message whose envelope is not one 1C writes; the text is for a person."""


@dataclass
class ObjectType:
    name: str
    sending: str = ""  # "*" or a list of versions; "" = not sent
    receiving: str = ""

    @property
    def sends(self) -> bool:
        return bool(self.sending)

    @property
    def receives(self) -> bool:
        return bool(self.receiving)


@dataclass
class Header:
    format: str = ""
    creation_date: str = ""
    exchange_plan: str = ""
    to: str = ""
    sender: str = ""  # msg:From
    message_no: int = 0
    received_no: int = 0
    versions: list[str] = field(default_factory=list)
    new_from: str = ""
    object_types: list[ObjectType] = field(default_factory=list)
    nodes: list[dict[str, str]] = field(default_factory=list)

    @property
    def version(self) -> str:
        """The format version of the Body ("" for a handshake, whose Format has none)."""
        if self.format.startswith(FORMAT_BASE + "/"):
            return self.format[len(FORMAT_BASE) + 1 :]
        return ""

    @property
    def is_handshake(self) -> bool:
        """The settings message 1C writes when a node is set up: no version, number 0."""
        return not self.version and self.message_no == 0

    def types_by_name(self) -> dict[str, ObjectType]:
        return {t.name: t for t in self.object_types}


def _number(value: str, what: str) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise EnvelopeError(
            _("The message header has %(what)s “%(value)s”, which is not a number.")
            % {"what": what, "value": value[:50]}
        )
    return int(value)


def header_from_element(el: Any) -> Header:
    """A ``Header`` from a parsed ``msg:Header`` element, with its structural checks."""
    if xml.local(el) != "Header":
        raise EnvelopeError(_("The message has no header (msg:Header)."))
    confirmation = xml.child(el, "Confirmation")
    if confirmation is None:
        raise EnvelopeError(_("The message header has no Confirmation block."))
    header = Header(
        format=xml.text(el, "Format"),
        creation_date=xml.text(el, "CreationDate"),
        exchange_plan=xml.text(confirmation, "ExchangePlan"),
        to=xml.text(confirmation, "To"),
        sender=xml.text(confirmation, "From"),
        message_no=_number(xml.text(confirmation, "MessageNo"), "MessageNo"),
        received_no=_number(xml.text(confirmation, "ReceivedNo"), "ReceivedNo"),
        versions=[xml.text(v) for v in xml.children(el, "AvailableVersion") if xml.text(v)],
        new_from=xml.text(el, "NewFrom"),
    )
    for item in xml.children(xml.child(el, "AvailableObjectTypes"), "ObjectType"):
        header.object_types.append(
            ObjectType(
                name=xml.text(item, "Name"),
                sending=xml.text(item, "Sending"),
                receiving=xml.text(item, "Receiving"),
            )
        )
    for node in xml.children(xml.child(el, "SynchronizationContour"), "Node"):
        header.nodes.append(
            {
                "name": xml.text(node, "Name"),
                "code": xml.text(node, "Code"),
                "prefix": xml.text(node, "Prefix"),
            }
        )
    check_header(header)
    return header


def check_header(header: Header) -> None:
    """XSD-free structural checks of a header (what our reader relies on)."""
    if header.format != FORMAT_BASE and not (
        header.format.startswith(FORMAT_BASE + "/") and _VERSION.match(header.version)
    ):
        raise EnvelopeError(
            _("The message format “%(format)s” is not EnterpriseData.")
            % {"format": header.format[:200] or _("(empty)")}
        )
    if header.exchange_plan and header.exchange_plan != EXCHANGE_PLAN:
        raise EnvelopeError(
            _("The message belongs to the exchange plan “%(plan)s”, not to %(ours)s.")
            % {"plan": header.exchange_plan[:100], "ours": EXCHANGE_PLAN}
        )
    if not header.to or not header.sender:
        raise EnvelopeError(
            _("The message header does not say who sent it (From) and to whom (To).")
        )
    for version in header.versions:
        if not _VERSION.match(version):
            raise EnvelopeError(
                _("The message offers the format version “%(version)s”, which is not one.")
                % {"version": version[:20]}
            )


def read_header(source: str | Path | IO[bytes], *, name: str = "") -> Header:
    """Read only the header of a message file (stops parsing after it)."""
    elements = xml.iter_elements(source, ["Header", "Body"], name=name)
    try:
        for el in elements:
            if xml.local(el) == "Body":
                break
            return header_from_element(el)
    finally:
        elements.close()
    raise EnvelopeError(_("The message has no header (msg:Header)."))


# --- numbering state ------------------------------------------------------------------


def state_of(connection: Connection) -> dict[str, Any]:
    state = dict((connection.options or {}).get(STATE_KEY) or {})
    state.setdefault("sent_no", 0)  # our last data message
    state.setdefault("received_no", 0)  # the last message of 1C we took
    state.setdefault("acked_no", 0)  # our last message 1C confirmed
    state.setdefault("pending", [])  # [{"no": n, "until": iso}] sent, not yet confirmed
    state.setdefault("acked_until", "")  # changes up to this moment reached 1C
    return state


def update_state(connection: Connection, **changes: Any) -> dict[str, Any]:
    """Change the numbering state under a row lock; returns the new state."""
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        state = state_of(locked)
        state.update(changes)
        options = dict(locked.options or {})
        options[STATE_KEY] = state
        Connection.objects.filter(pk=locked.pk).update(options=options)
    connection.options = options
    return state


def acknowledge(connection: Connection, received_no: int) -> list[dict[str, Any]]:
    """1C confirmed our messages up to ``received_no``: what they carried is delivered.
    Returns the entries of the messages confirmed now."""
    done: list[dict[str, Any]] = []
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        state = state_of(locked)
        if received_no > state["acked_no"] and received_no <= state["sent_no"]:
            state["acked_no"] = received_no
            done = [p for p in state["pending"] if p["no"] <= received_no]
            if done:
                state["acked_until"] = max(p["until"] for p in done)
            state["pending"] = [p for p in state["pending"] if p["no"] > received_no]
        options = dict(locked.options or {})
        options[STATE_KEY] = state
        Connection.objects.filter(pk=locked.pk).update(options=options)
    connection.options = options
    return done


def take_incoming(connection: Connection, message_no: int) -> bool:
    """Whether a data message with this number is new (and, if so, remember it taken).

    Call inside the transaction that applies the message, so a failed import does not
    mark the message received.
    """
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    state = state_of(locked)
    if message_no <= state["received_no"]:
        return False
    state["received_no"] = message_no
    options = dict(locked.options or {})
    options[STATE_KEY] = state
    Connection.objects.filter(pk=locked.pk).update(options=options)
    connection.options = options
    return True


def next_outgoing(
    connection: Connection, *, until: str, invoices: list[str] | None = None
) -> tuple[int, int]:
    """Reserve the number of our next data message; ``until`` is the moment up to which
    it carries changes. Returns ``(message_no, received_no)`` for its header."""
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        state = state_of(locked)
        state["sent_no"] += 1
        state["pending"] = [
            *state["pending"],
            {"no": state["sent_no"], "until": until, "invoices": invoices or []},
        ]
        options = dict(locked.options or {})
        options[STATE_KEY] = state
        Connection.objects.filter(pk=locked.pk).update(options=options)
    connection.options = options
    return state["sent_no"], state["received_no"]


def note_invoices(connection: Connection, message_no: int, invoices: list[str]) -> None:
    """Remember which invoices message ``message_no`` carried (marked sent when confirmed)."""
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        state = state_of(locked)
        for entry in state["pending"]:
            if entry["no"] == message_no:
                entry["invoices"] = invoices
        options = dict(locked.options or {})
        options[STATE_KEY] = state
        Connection.objects.filter(pk=locked.pk).update(options=options)
    connection.options = options


def node_id(connection: Connection) -> str:
    """Our node's id (``NewFrom`` in our handshake answer), made once per connection."""
    import uuid

    state = state_of(connection)
    if not state.get("node_id"):
        state = update_state(connection, node_id=str(uuid.uuid4()))
    return state["node_id"]
