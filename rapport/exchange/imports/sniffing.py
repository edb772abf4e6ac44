"""What an import file is: its real kind (from its first bytes), encoding and delimiter.

A file whose name claims another kind than its bytes, an old XLS, a binary file or an
unknown encoding raises ``FileProblem`` with a message for the user.
"""

from __future__ import annotations

import codecs
import csv

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
ENCODINGS = ("utf-8", "utf-8-sig", "windows-1251", "cp1250")
DELIMITERS = (",", ";", "\t", "|")
FORMATS = ("csv", "xlsx", "vcard")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls / .doc
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


class FileProblem(ValidationError):
    """The file as a whole cannot be read (wrong kind, empty, no header)."""


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff_format(head: bytes, name: str) -> str:
    """The file's real kind from its first bytes; what its name claims must agree."""
    ext = _extension(name)
    if head.startswith(_OLE_MAGIC):
        raise FileProblem(
            _("“%(name)s” is an old Excel (XLS) file: save it as XLSX or CSV.") % {"name": name}
        )
    if head.startswith(_ZIP_MAGIC):
        if ext not in ("xlsx", ""):
            raise FileProblem(
                _("“%(name)s” is not a %(kind)s file (it is a ZIP archive or a workbook).")
                % {"name": name, "kind": ext.upper()}
            )
        return "xlsx"
    if ext == "xlsx":
        raise FileProblem(_("“%(name)s” is not an XLSX workbook.") % {"name": name})
    if any(head.startswith(magic) for magic in _BINARY_MAGIC) or b"\x00" in head[:4096]:
        raise FileProblem(_("“%(name)s” is not a text file.") % {"name": name})
    text_start = head.lstrip(codecs.BOM_UTF8).lstrip()[:11].upper()
    if text_start == b"BEGIN:VCARD" or ext in ("vcf", "vcard"):
        if text_start != b"BEGIN:VCARD":
            raise FileProblem(_("“%(name)s” is not a vCard file.") % {"name": name})
        return "vcard"
    if ext not in ("csv", "txt", "tsv", ""):
        raise FileProblem(
            _("“%(name)s”: unsupported file type (use XLSX, CSV or vCard).") % {"name": name}
        )
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), windows-1251 or cp1250, from a sample of the file."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a character is still UTF-8.
        if exc.start >= len(sample) - 3:
            return "utf-8"
    # Mostly UTF-8 with a few foreign lines: read as UTF-8, the other lines are reported.
    good = bad = 0
    lines = sample.splitlines()
    for line in lines[:-1] if len(sample) >= SAMPLE_BYTES else lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    if good > bad:
        return "utf-8"
    best = from_bytes(sample, cp_isolation=["cp1251", "cp1250"]).best()
    if best is None:
        return "windows-1251"
    return "windows-1251" if best.encoding == "cp1251" else "cp1250"


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
