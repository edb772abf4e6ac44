"""Files 1C uploads during a CommerceML session: one working directory per session.

1C sends each file as the raw body of ``mode=file`` requests, split into chunks of at most
``file_limit`` bytes that carry the same ``filename``; chunks are appended. A chunk that
starts with ``<?xml`` begins a fresh copy (WooCommerce's rule), so a file sent again within
the session replaces the old one instead of growing it. Zip archives (``zip=yes``) are
unpacked next to themselves once complete.

Every name that comes from outside (the ``filename`` parameter, the names inside an
archive) goes through ``clean_name``: sub-folders such as ``import_files/ab/x.jpg`` are
kept, absolute paths, ``..``, drive letters, control characters and executable extensions
are refused. Sizes are limited per file (``ONEC_UPLOAD_MAX_BYTES``, 200 MB), per unpacked
archive (``ONEC_UNZIP_MAX_BYTES``, 2 GB) and in members per archive.

The working directories live under ``ONEC_UPLOAD_DIR`` (default ``<VAR_DIR>/onec``), not
under MEDIA: they are never served. What must be kept for the exchange log is copied into
the session's files (``sessions.session_add_file``).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import stat
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.exchange.models import ExchangeSession

MB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 200 * MB
DEFAULT_MAX_UNPACKED_BYTES = 2048 * MB
MAX_ARCHIVE_MEMBERS = 200_000
MAX_DEPTH = 8
MAX_PART_LENGTH = 200
COPY_BUFFER = 256 * 1024

BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Never written, whatever the folder: a file a web server or a person might run.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "php", "php3", "php4", "php5", "php7", "php8", "phtml", "phar", "pht", "phps",
        "cgi", "pl", "py", "pyc", "rb", "sh", "bash", "asp", "aspx", "ashx", "asmx", "jsp",
        "jspx", "exe", "com", "bat", "cmd", "msi", "dll", "so", "scr", "vbs", "vbe", "js",
        "jse", "wsf", "wsh", "ps1", "psm1", "jar", "hta", "cpl", "lnk", "htaccess",
        "htpasswd", "shtml", "svgz",
    }
)  # fmt: skip
_UNSAFE_CHARS = re.compile(r"[^\w.\-+()\[\] #@,=~]", re.UNICODE)
_DRIVE = re.compile(r"^[A-Za-z]:")


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class UploadRefused(ValueError):
    """A file or archive that is not accepted; the message is for a person (and 1C)."""


# --- limits and places --------------------------------------------------------------


def max_file_bytes() -> int:
    return int(getattr(settings, "ONEC_UPLOAD_MAX_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "ONEC_UNZIP_MAX_BYTES", DEFAULT_MAX_UNPACKED_BYTES))


def upload_root() -> Path:
    configured = getattr(settings, "ONEC_UPLOAD_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "onec"


def session_dir(session: ExchangeSession) -> Path:
    return upload_root() / str(session.pk)


def wipe(session: ExchangeSession) -> Path:
    """Empty the session's working directory (created if missing)."""
    directory = session_dir(session)
    remove(session)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def remove(session: ExchangeSession) -> None:
    """Drop the session's working directory (its kept files stay in the exchange log)."""
    directory = session_dir(session)
    if directory.is_dir():
        shutil.rmtree(directory, ignore_errors=True)


# --- names --------------------------------------------------------------------------


def _human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.0f} MB"
    return f"{size / 1024:.0f} KB"


def clean_name(name: str) -> str:
    """A safe relative path (``/``-separated) for a name that came from outside.

    Keeps sub-folders; replaces odd characters by ``_``; refuses absolute paths, ``..``,
    empty names and executable extensions with ``UploadRefused``.
    """
    raw = unicodedata.normalize("NFC", name or "").replace("\\", "/").strip()
    shown = raw[:120] or "?"
    if not raw:
        raise UploadRefused(_("The file name is empty."))
    if "\x00" in raw or any(unicodedata.category(c) == "Cc" for c in raw):
        raise UploadRefused(
            _("The file name “%(name)s” holds control characters.")
            % {"name": shown.encode("unicode_escape").decode("ascii")}
        )
    if raw.startswith("/") or _DRIVE.match(raw) or raw.startswith("~"):
        raise UploadRefused(
            _("The file name “%(name)s” is an absolute path; only relative names are accepted.")
            % {"name": shown}
        )
    parts = [p.strip() for p in raw.split("/")]
    parts = [p for p in parts if p not in ("", ".")]
    if any(p == ".." or set(p) == {"."} for p in parts):
        raise UploadRefused(
            _("The file name “%(name)s” points outside the exchange folder (“..”).")
            % {"name": shown}
        )
    if not parts:
        raise UploadRefused(_("The file name “%(name)s” is not a file.") % {"name": shown})
    if len(parts) > MAX_DEPTH:
        raise UploadRefused(_("The file name “%(name)s” has too many folders.") % {"name": shown})
    cleaned = []
    for part in parts:
        part = _UNSAFE_CHARS.sub("_", part)[:MAX_PART_LENGTH]
        # A leading dot would hide the file (.htaccess and friends).
        part = "_" + part[1:] if part.startswith(".") else part
        cleaned.append(part)
    for part in cleaned:
        suffixes = [s.lower() for s in PurePosixPath(part).suffixes]
        bad = next((s for s in suffixes if s.lstrip(".") in EXECUTABLE_EXTENSIONS), None)
        if bad or part.lower().lstrip("_") in EXECUTABLE_EXTENSIONS:
            raise UploadRefused(
                _("The file “%(name)s” is refused: files of type “%(ext)s” are not accepted.")
                % {"name": shown, "ext": (bad or part).lstrip(".")}
            )
    return "/".join(cleaned)


def path_in(directory: Path, name: str) -> Path:
    """The path of an already cleaned ``name`` inside ``directory`` (checked again)."""
    base = directory.resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise UploadRefused(
            _("The file name “%(name)s” points outside the exchange folder.") % {"name": name}
        )
    return target


# --- receiving ----------------------------------------------------------------------


ZIP_MAGIC = b"PK\x03\x04"


def starts_fresh(head: bytes, *, complete: bool = False) -> bool:
    """Does this chunk begin a file (rather than continue one)? An XML declaration is a
    sure sign. A zip header is one only after the file was complete: a later chunk of an
    archive may start with anything, a member's header included."""
    if head.lstrip(BOM).lstrip()[:5] == b"<?xml":
        return True
    return complete and head[:4] == ZIP_MAGIC


def receive_chunk(
    directory: Path,
    name: str,
    stream: Readable | IO[bytes],
    *,
    seen: bool,
    complete: bool = False,
    length: int | None = None,
) -> tuple[Path, int, int]:
    """Write one chunk of ``name`` (already cleaned): append, or start over if the file was
    not received before in this session (``seen`` False) or the chunk starts a fresh file
    (``complete``: the file looked whole already). Answers (path, size of the file now,
    size of this chunk).

    Raises ``UploadRefused`` when the file would grow past the size limit (the partial
    file is removed).
    """
    limit = max_file_bytes()
    path = path_in(directory, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = stream.read(COPY_BUFFER)
    fresh = not seen or not path.exists() or starts_fresh(head, complete=complete)
    existing = 0 if fresh else path.stat().st_size
    too_big = _(
        "The file “%(name)s” is larger than the %(limit)s allowed for one exchange file."
    ) % {"name": name, "limit": _human_size(limit)}
    if length is not None and existing + length > limit:
        path.unlink(missing_ok=True)
        raise UploadRefused(too_big)
    written = 0
    with open(path, "wb" if fresh else "ab") as out:
        block = head
        while block:
            written += len(block)
            if existing + written > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadRefused(too_big)
            out.write(block)
            block = stream.read(COPY_BUFFER)
    return path, existing + written, written


# --- archives -----------------------------------------------------------------------


def is_archive(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Not flagged UTF-8: zipfile decoded it as cp437; Windows archivers (and 1C) write
        # the OEM code page, which is cp866 for Cyrillic names.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("cp866")
    return name


def unpack(archive: Path, directory: Path, *, label: str = "") -> list[str]:
    """Unpack a zip archive into ``directory``; answers the cleaned names written.

    Every member is checked before anything is written (names, links, counts, declared
    sizes), so a refused archive leaves nothing behind; while writing, the bytes actually
    produced are counted too.
    """
    shown = label or archive.name
    limit = max_unpacked_bytes()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise UploadRefused(
                    _("The archive “%(name)s” holds more than %(n)s files.")
                    % {"name": shown, "n": MAX_ARCHIVE_MEMBERS}
                )
            plan: list[tuple[zipfile.ZipInfo, str]] = []
            declared = 0
            for info in infos:
                if info.is_dir():
                    continue
                mode = info.external_attr >> 16
                if mode and stat.S_ISLNK(mode):
                    raise UploadRefused(
                        _(
                            "The archive “%(name)s” holds a link (“%(member)s”); links are "
                            "not accepted."
                        )
                        % {"name": shown, "member": info.filename}
                    )
                if info.flag_bits & 0x1:
                    raise UploadRefused(_("The archive “%(name)s” is encrypted.") % {"name": shown})
                try:
                    member = clean_name(_member_name(info))
                except UploadRefused as exc:
                    raise UploadRefused(
                        _("The archive “%(name)s” is refused: %(reason)s")
                        % {"name": shown, "reason": exc}
                    ) from exc
                declared += info.file_size
                plan.append((info, member))
            too_big = _("The archive “%(name)s” unpacks to more than %(limit)s; it is refused.") % {
                "name": shown,
                "limit": _human_size(limit),
            }
            if declared > limit:
                raise UploadRefused(too_big)
            written_total = 0
            names: list[str] = []
            for info, member in plan:
                target = path_in(directory, member)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(target, "wb") as out:
                    while block := source.read(COPY_BUFFER):
                        written_total += len(block)
                        if written_total > limit:
                            out.close()
                            target.unlink(missing_ok=True)
                            raise UploadRefused(too_big)
                        out.write(block)
                names.append(member)
            return names
    except zipfile.BadZipFile as exc:
        raise UploadRefused(
            _("“%(name)s” is not a readable zip archive: %(error)s") % {"name": shown, "error": exc}
        ) from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise UploadRefused(
            _("“%(name)s” cannot be unpacked: %(error)s") % {"name": shown, "error": exc}
        ) from exc
