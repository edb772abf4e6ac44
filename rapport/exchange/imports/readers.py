"""Streaming readers of import files: CSV (any delimiter and encoding), XLSX and vCard.

Each reader yields ``SourceRow`` one at a time, so memory does not grow with the file.
Row numbers are those a user sees: the header is row 1 in CSV and XLSX, vCards count
from 1. A row that cannot be read cleanly (bytes not in the file's encoding, a formula
cell, more values than the header) carries its problem instead of failing the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from .sniffing import (
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    SAMPLE_BYTES,
    FileProblem,
    detect_delimiter,
    detect_encoding,
    sniff_format,
)

__all__ = [
    "DELIMITERS",
    "ENCODINGS",
    "FORMATS",
    "SAMPLE_BYTES",
    "FileInfo",
    "FileProblem",
    "SourceRow",
    "TableReader",
    "count_rows",
    "detect_delimiter",
    "detect_encoding",
    "open_table",
    "sniff_format",
]


@dataclass
class SourceRow:
    number: int
    values: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (header, message)


@dataclass
class FileInfo:
    format: str
    encoding: str = ""
    delimiter: str = ""


def _clean_header(values: list[str]) -> list[str]:
    headers = [str(v or "").strip() for v in values]
    while headers and not headers[-1]:
        headers.pop()
    return headers


class TableReader:
    """One open file: ``headers`` and ``rows()``; use as a context manager."""

    def __init__(
        self,
        stream: IO[bytes],
        *,
        name: str,
        target: str = "clients",
        encoding: str = "",
        delimiter: str = "",
    ) -> None:
        self.stream = _raw(stream)
        stream = self.stream
        self.name = name
        self.target = target
        head = stream.read(SAMPLE_BYTES)
        stream.seek(0)
        if not head:
            raise FileProblem(_("The file is empty."))
        fmt = sniff_format(head, name)
        self.info = FileInfo(format=fmt)
        self.headers: list[str] = []
        self.row_hint: int | None = None
        self._rows: Iterator[SourceRow]
        if fmt == "xlsx":
            self._open_xlsx()
        else:
            if encoding and encoding not in ENCODINGS:
                raise FileProblem(_("Unknown encoding “%(enc)s”.") % {"enc": encoding})
            self.info.encoding = encoding or detect_encoding(head)
            if fmt == "vcard":
                self._open_vcard()
            else:
                sample = head.decode(self.info.encoding, errors="replace")
                self.info.delimiter = delimiter or detect_delimiter(sample)
                self._open_csv()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        book = getattr(self, "_book", None)
        if book is not None:
            book.close()
        self.stream.close()

    def rows(self) -> Iterator[SourceRow]:
        return self._rows

    # -- CSV ---------------------------------------------------------------------------------
    def _open_csv(self) -> None:
        self._bad_lines: set[int] = set()
        lines = self._decoded_lines()
        reader = csv.reader(lines, delimiter=self.info.delimiter)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise FileProblem(_("The file has no header row.")) from exc
        except csv.Error as exc:
            raise FileProblem(_("Row 1: %(error)s") % {"error": exc}) from exc
        if self._bad_lines:
            raise FileProblem(self._encoding_message(1))
        self.headers = _clean_header(header)
        if not any(self.headers):
            raise FileProblem(_("The first row must name the columns."))
        self._rows = self._csv_rows(reader)

    def _encoding_message(self, row: int) -> str:
        return _(
            "Row %(row)s is not valid %(encoding)s text: choose the file's encoding "
            "(UTF-8, windows-1251 or cp1250)."
        ) % {"row": row, "encoding": self.info.encoding}

    def _decoded_lines(self) -> Iterator[str]:
        # Lines are decoded one by one so that a byte outside the encoding is pinned to
        # its line (and row) instead of failing the whole file.
        decode = codecs.getdecoder(self.info.encoding)
        first = True
        for number, raw in enumerate(self.stream, start=1):
            if first and self.info.encoding == "utf-8-sig":
                raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
            try:
                text = decode(raw)[0]
            except UnicodeDecodeError:
                self._bad_lines.add(number)
                text = raw.decode(self.info.encoding, errors="replace")
            yield text

    def _csv_rows(self, reader: Any) -> Iterator[SourceRow]:
        width = len(self.headers)
        number = 1
        last_line = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield SourceRow(number, [], [("", _("Unreadable row: %(e)s") % {"e": exc})])
                continue
            number += 1
            first_line, last_line = last_line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            row = SourceRow(number, values)
            if self._bad_lines and any(
                n in self._bad_lines for n in range(first_line, last_line + 1)
            ):
                row.problems.append(("", self._encoding_message(number)))
            self._check_width(row, width)
            yield row

    def _check_width(self, row: SourceRow, width: int) -> None:
        if len(row.values) > width and any(str(v).strip() for v in row.values[width:]):
            row.problems.append(
                (
                    "",
                    _("Row %(row)s has %(n)s values but the header names %(width)s columns.")
                    % {"row": row.number, "n": len(row.values), "width": width},
                )
            )

    # -- XLSX --------------------------------------------------------------------------------
    def _open_xlsx(self) -> None:
        from openpyxl import load_workbook

        try:
            self._book = load_workbook(self.stream, read_only=True, data_only=False)
        except Exception as exc:
            raise FileProblem(
                _("“%(name)s” is not a readable XLSX workbook.") % {"name": self.name}
            ) from exc
        sheet = self._book.worksheets[0]
        if sheet.max_row:
            self.row_hint = max(sheet.max_row - 1, 0) or None
        rows = sheet.iter_rows()
        try:
            header = next(rows)
        except StopIteration as exc:
            raise FileProblem(_("The file has no header row.")) from exc
        self.headers = _clean_header([_cell_text(c.value) for c in header])
        if not any(self.headers):
            raise FileProblem(_("The first row must name the columns."))
        self._rows = self._xlsx_rows(rows)

    def _xlsx_rows(self, rows: Iterator[Any]) -> Iterator[SourceRow]:
        width = len(self.headers)
        for number, cells in enumerate(rows, start=2):
            values, problems = [], []
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    header = self.headers[index] if index < width else ""
                    problems.append(
                        (header, _("A formula cell: save the workbook with values only."))
                    )
                    values.append("")
                    continue
                values.append(_cell_text(cell.value))
            if not any(v.strip() for v in values) and not problems:
                continue
            row = SourceRow(number, values, problems)
            self._check_width(row, width)
            yield row

    # -- vCard -------------------------------------------------------------------------------
    _CLIENT_CARD = (
        "Name",
        "Kind",
        "Phones",
        "E-mails",
        "Web sites",
        "Address",
        "Notes",
        "External id",
    )
    _CONTACT_CARD = (
        "Last name",
        "First name",
        "Middle name",
        "Client",
        "Position",
        "Birthday",
        "Phones",
        "E-mails",
        "Notes",
        "External id",
    )

    def _open_vcard(self) -> None:
        text = io.TextIOWrapper(self.stream, encoding=self.info.encoding, errors="replace")
        self.headers = list(self._CLIENT_CARD if self.target == "clients" else self._CONTACT_CARD)
        self._rows = self._vcard_rows(text)

    def _vcard_rows(self, text: IO[str]) -> Iterator[SourceRow]:
        import vobject

        block: list[str] = []
        number = 0
        for line in text:
            if line.strip().upper() == "BEGIN:VCARD":
                block = []
            block.append(line)
            if line.strip().upper() == "END:VCARD":
                number += 1
                try:
                    card = vobject.readOne("".join(block))
                except Exception as exc:
                    yield SourceRow(number, [], [("", _("Unreadable vCard: %(e)s") % {"e": exc})])
                    continue
                yield SourceRow(number, self._card_values(card))
                block = []

    def _card_values(self, card: Any) -> list[str]:
        def all_of(name: str) -> list[str]:
            return [str(item.value).strip() for item in card.contents.get(name, [])]

        def one(name: str) -> str:
            values = all_of(name)
            return values[0] if values else ""

        org = card.contents.get("org")
        org_name = " ".join(p for p in org[0].value if p) if org else ""
        phones, emails = "; ".join(all_of("tel")), "; ".join(all_of("email"))
        if self.target == "clients":
            address = ""
            if card.contents.get("adr"):
                adr = card.adr.value
                address = ", ".join(
                    p for p in (adr.code, adr.country, adr.region, adr.city, adr.street) if p
                )
            return [
                org_name or one("fn"),
                "company" if org_name else "person",
                phones,
                emails,
                "; ".join(all_of("url")),
                address,
                one("note"),
                one("uid"),
            ]
        last = first = middle = ""
        if card.contents.get("n"):
            n = card.n.value
            last, first = str(n.family or ""), str(n.given or "")
            middle = str(n.additional or "")
        if not (last or first):
            parts = one("fn").split()
            last, first = (parts[-1], " ".join(parts[:-1])) if parts else ("", "")
        return [
            last,
            first,
            middle,
            org_name,
            one("title"),
            one("bday"),
            phones,
            emails,
            one("note"),
            one("uid"),
        ]


def _raw(stream: Any) -> Any:
    """The plain file under Django's File wrappers (their line iteration is slow)."""
    from django.core.files.base import File

    while isinstance(stream, File):
        stream = stream.file
    return stream


def count_rows(stream: IO[bytes], fmt: str) -> int | None:
    """About how many rows the file has (for the progress bar); reads it once, fast."""
    stream = _raw(stream)
    if fmt == "xlsx":
        return None
    marker = b"BEGIN:VCARD" if fmt == "vcard" else b"\n"
    total = 0
    tail = b""
    while block := stream.read(1024 * 1024):
        total += (tail + block).count(marker) - tail.count(marker)
        tail = block[-len(marker) + 1 :] if len(marker) > 1 else b""
    stream.seek(0)
    if fmt == "csv":
        total -= 1
    return total if fmt == "vcard" else max(total, 1)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def open_table(
    stream: IO[bytes],
    *,
    name: str,
    target: str = "clients",
    encoding: str = "",
    delimiter: str = "",
) -> TableReader:
    return TableReader(stream, name=name, target=target, encoding=encoding, delimiter=delimiter)
