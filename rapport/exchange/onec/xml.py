"""Safe, streaming, namespace-agnostic reading of the XML files 1C and web shops write.

Exchange files reach hundreds of megabytes, come with or without a namespace
(``urn:1C.ru:commerceml_2``, ``_3``, EnterpriseData's versioned one, none at all) and in
UTF-8 with a BOM or windows-1251. Elements are matched by their local name and cleared as
soon as the caller is done with them, so memory stays flat.

Nothing 1C writes has a DTD, so any ``<!DOCTYPE`` is refused before parsing: that closes
entity expansion ("billion laughs") and external entities (XXE) whatever the parser's
defaults; the parser itself also runs with entities, DTD loading and the network off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from lxml import etree

# How much of the file's head is checked for a DOCTYPE: a prolog is never this long.
_HEAD_BYTES = 64 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class XmlRefused(ValueError):
    """A file that is not safe or not XML at all; the message is for a person."""


def detect_encoding(head: bytes) -> str:
    """The encoding of an XML file from its BOM or declaration (UTF-8 when neither)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    found = _DECLARED_ENCODING.search(head[:200])
    return found.group(1).decode("ascii").lower() if found else "utf-8"


def check_head(head: bytes, *, name: str = "") -> None:
    """Refuse what is not XML or carries a DTD, before any parser sees it."""
    label = name or _("The file")
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = head.decode("utf-16", errors="ignore").encode("utf-8").lstrip()
    if not body.startswith(b"<"):
        raise XmlRefused(_("%(name)s is not an XML file.") % {"name": label})
    if _DOCTYPE.search(body):
        raise XmlRefused(
            _(
                "%(name)s declares a DTD or entities; exchange files never do, so it is "
                "refused (entity expansion and external entities are not allowed)."
            )
            % {"name": label}
        )


def _open(source: str | Path | IO[bytes]) -> tuple[IO[bytes], bool, str]:
    if isinstance(source, (str, Path)):
        return open(source, "rb"), True, Path(source).name
    return source, False, getattr(source, "name", "") or ""


def local(element: Any) -> str:
    """The element's name without its namespace."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def iter_elements(
    source: str | Path | IO[bytes], tags: Iterable[str], *, name: str = ""
) -> Iterator[Any]:
    """Yield every element whose local name is in ``tags``, complete, in document order.

    An element is cleared (with the siblings before it) once the caller moves on, so only
    the current object is in memory. Nested matches are yielded innermost first and stay
    intact until their outermost match has been handled. Raises
    ``XmlRefused`` for a file that is not well-formed XML or declares a DTD.
    """
    wanted = frozenset(tags)
    handle, owned, file_name = _open(source)
    label = name or file_name or _("The file")
    try:
        head = handle.read(_HEAD_BYTES)
        check_head(head, name=label)
        handle.seek(0)
        parser = etree.iterparse(
            handle,
            events=("end",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for _event, element in parser:
                if local(element) not in wanted:
                    continue
                yield element
                if any(local(a) in wanted for a in element.iterancestors()):
                    # Part of an enclosing match (nested groups): that one is cleared.
                    continue
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    # Drop references to earlier siblings that were already handled.
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            raise XmlRefused(
                _("%(name)s is not well-formed XML: %(error)s") % {"name": label, "error": exc}
            ) from exc
    finally:
        if owned:
            handle.close()


def root_name(source: str | Path | IO[bytes], *, name: str = "") -> str:
    """The local name of the root element (reads only the file's head)."""
    handle, owned, file_name = _open(source)
    try:
        head = handle.read(_HEAD_BYTES)
        check_head(head, name=name or file_name)
        handle.seek(0)
        for _event, element in etree.iterparse(
            handle,
            events=("start",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=True,
        ):
            return local(element)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(
            _("%(name)s is not well-formed XML: %(error)s")
            % {"name": name or file_name or _("The file"), "error": exc}
        ) from exc
    finally:
        if owned:
            handle.close()
    return ""


def parse_bytes(content: bytes, *, name: str = "") -> Any:
    """A small document (an OData answer, an ED header) parsed whole, with the same guards."""
    check_head(content[:_HEAD_BYTES], name=name)
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, remove_comments=True
    )
    try:
        return etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(
            _("%(name)s is not well-formed XML: %(error)s")
            % {"name": name or _("The document"), "error": exc}
        ) from exc


def child(element: Any, *names: str) -> Any | None:
    """The first descendant along the path of local names (``child(el, "Цены", "Цена")``)."""
    current = element
    for wanted in names:
        if current is None:
            return None
        current = next((c for c in current if local(c) == wanted), None)
    return current


def children(element: Any, name: str) -> list[Any]:
    """The direct children with the local name ``name``."""
    if element is None:
        return []
    return [c for c in element if local(c) == name]


def text(element: Any, *path: str, default: str = "") -> str:
    """The stripped text at the path of local names (the element's own text if no path)."""
    target = child(element, *path) if path else element
    if target is None or target.text is None:
        return default
    return target.text.strip()
