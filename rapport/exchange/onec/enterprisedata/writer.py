"""Writing EnterpriseData messages: streamed with lxml's ``xmlfile``, UTF-8 with a BOM.

Objects are given as small trees of ``(name, value)`` pairs, where ``value`` is a string or
a list of pairs; empty values are left out (1C's reader treats a missing element and an
empty one alike for the fields we write [mem]). Element names are the Russian names of
the format (``Справочник.Контрагенты``, ``КлючевыеСвойства``...), all in the Body's
namespace.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .envelope import FORMAT_BASE, MSG_NS, Header, body_namespace

BOM = b"\xef\xbb\xbf"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

Node = tuple[str, str | list["Node"] | None]


def _m(name: str) -> str:
    return f"{{{MSG_NS}}}{name}"


def header_element(header: Header) -> Any:
    el = etree.Element(_m("Header"), nsmap={"msg": MSG_NS})

    def add(parent: Any, name: str, value: str | None) -> Any:
        sub = etree.SubElement(parent, _m(name))
        if value:
            sub.text = value
        return sub

    add(el, "Format", header.format)
    add(el, "CreationDate", header.creation_date)
    confirmation = add(el, "Confirmation", None)
    add(confirmation, "ExchangePlan", header.exchange_plan)
    add(confirmation, "To", header.to)
    add(confirmation, "From", header.sender)
    add(confirmation, "MessageNo", str(header.message_no))
    add(confirmation, "ReceivedNo", str(header.received_no))
    for version in header.versions:
        add(el, "AvailableVersion", version)
    if header.new_from:
        add(el, "NewFrom", header.new_from)
    if header.object_types:
        types = add(el, "AvailableObjectTypes", None)
        for item in header.object_types:
            row = add(types, "ObjectType", None)
            add(row, "Name", item.name)
            add(row, "Sending", item.sending)
            add(row, "Receiving", item.receiving)
    if header.nodes:
        contour = add(el, "SynchronizationContour", None)
        for node in header.nodes:
            row = add(contour, "Node", None)
            add(row, "Name", node.get("name", ""))
            add(row, "Code", node.get("code", ""))
            add(row, "Prefix", node.get("prefix", ""))
    return el


def _has_content(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, list):
        return any(_has_content(v) for _n, v in value)
    return True


class BodyWriter:
    """Writes objects into the open ``Body`` of a message."""

    def __init__(self, xf: Any, ns: str) -> None:
        self._xf = xf
        self._ns = ns
        self.count = 0

    def _write(self, name: str, value: Any) -> None:
        if not _has_content(value):
            return
        with self._xf.element(f"{{{self._ns}}}{name}"):
            if isinstance(value, list):
                for sub_name, sub_value in value:
                    self._write(sub_name, sub_value)
            else:
                self._xf.write(str(value))

    def object(self, node: Node) -> None:
        name, value = node
        self._write(name, value)
        self._xf.flush()
        self.count += 1


@contextmanager
def message(handle: IO[bytes], header: Header, *, body: bool = True) -> Iterator[BodyWriter]:
    """Write one message into ``handle``; yields a ``BodyWriter`` for the objects.

    ``body=False`` writes a header-only message (the answer to a handshake).
    """
    handle.write(BOM + DECLARATION)
    ns = body_namespace(header.version) if header.version else FORMAT_BASE
    nsmap = {"msg": MSG_NS, "xs": XS_NS, "xsi": XSI_NS}
    with etree.xmlfile(handle, encoding="utf-8") as xf, xf.element("Message", nsmap=nsmap):
        xf.write(header_element(header))
        if body:
            with xf.element(f"{{{ns}}}Body", nsmap={None: ns}):
                yield BodyWriter(xf, ns)
        else:
            yield BodyWriter(xf, ns)


def write_atomically(path: Path, content_writer: Any) -> Path:
    """Write a file through a temporary name in the same folder, then rename it, so the
    other side never sees half a file. ``content_writer(handle)`` fills it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            content_writer(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def zip_bytes(xml_path: Path, handle: IO[bytes], *, inner_name: str) -> None:
    """Pack one message into a zip (what 1C writes to an exchange folder)."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(xml_path, arcname=inner_name)
