"""Folder transport: messages as ``Message_<from>_<to>.xml`` / ``.zip`` in a shared directory.

1C writes ``Message_<1C>_<CRM>.zip``; we write ``Message_<CRM>_<1C>.zip``. Each side
overwrites its own file with its newest message (which repeats whatever the other side has
not confirmed), so there is at most one file per direction. A file we have read is renamed
to ``<name>.<timestamp>.done`` in a ``processed`` subfolder so that it is never read twice;
we write through a temporary name and rename, so 1C never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

# Largest message we unpack from a zip (a zip bomb stops here).
MAX_UNPACKED = 2 * 1024**3
PROCESSED = "processed"


class TransportError(ValueError):
    """A folder or file problem; the message is for a person."""


def message_name(sender: str, receiver: str, *, zipped: bool) -> str:
    return f"Message_{sender}_{receiver}.{'zip' if zipped else 'xml'}"


def incoming(folder: str | Path, *, ours: str, peer: str = "") -> list[Path]:
    """Messages addressed to us (``Message_<peer>_<ours>``), oldest first; never our own."""
    root = Path(folder)
    if not root.is_dir():
        raise TransportError(_("The exchange folder “%(path)s” does not exist.") % {"path": root})
    found = []
    for path in root.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        stem, ext = os.path.splitext(path.name)
        if ext.lower() not in (".xml", ".zip") or not stem.startswith("Message_"):
            continue
        parts = stem[len("Message_") :].rsplit("_", 1)
        if len(parts) != 2 or parts[1] != ours or parts[0] == ours:
            continue
        if peer and parts[0] != peer:
            continue
        found.append(path)
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def claim(path: Path) -> Path:
    """Move a message out of the way before reading it (a second run never sees it).

    Returns the new path in ``processed/``; raises ``TransportError`` if another run
    claimed it first."""
    target_dir = path.parent / PROCESSED
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{path.name}.{timezone.now():%Y%m%dT%H%M%S%f}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        raise TransportError(
            _("%(name)s was taken by another run.") % {"name": path.name}
        ) from None
    return target


def unpack(path: Path, work_dir: Path) -> Path:
    """The XML of a message: the file itself, or the one XML inside a zip."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head != b"PK\x03\x04":
        return path
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TransportError(
            _("%(name)s is not a valid zip archive.") % {"name": path.name}
        ) from None
    with archive:
        members = [
            m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".xml")
        ]
        if len(members) != 1:
            raise TransportError(
                _("%(name)s should hold one XML message; it holds %(n)s.")
                % {"name": path.name, "n": len(members)}
            )
        member = members[0]
        if member.file_size > MAX_UNPACKED:
            raise TransportError(
                _("%(name)s unpacks to more than 2 GB; refused.") % {"name": path.name}
            )
        target = work_dir / "message.xml"
        written = 0
        with archive.open(member) as source, open(target, "wb") as out:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                if written > MAX_UNPACKED:
                    raise TransportError(
                        _("%(name)s unpacks to more than 2 GB; refused.") % {"name": path.name}
                    )
                out.write(chunk)
    return target


def put(folder: str | Path, name: str, source: Path) -> Path:
    """Copy ``source`` into the folder as ``name`` atomically (temporary name, rename)."""
    root = Path(folder)
    if not root.is_dir():
        raise TransportError(_("The exchange folder “%(path)s” does not exist.") % {"path": root})
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, root / name)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return root / name
