"""Writers of exported lists: CSV (UTF-8 with BOM) and XLSX (openpyxl, write-only).

Both neutralise cells a spreadsheet would run as a formula (OWASP "CSV injection"): a cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, which Excel and LibreOffice show as a plain text marker. This applies to every
cell, phone numbers included ("+7 999 ..." is exported as "'+7 999 ..."): ``+`` does start a
formula in Excel, and telling a phone number from ``+cmd|...`` is exactly the guess the
neutralisation exists to avoid. A cell that itself starts with an apostrophe gets one more,
so that the import side can strip exactly one leading apostrophe from every cell and get the
stored value back, whatever it was.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from rapport.core.reports import safe_cell

CSV_DELIMITERS = {"comma": ",", "semicolon": ";"}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}

# Column widths (in characters) by column key; others get their header's width.
_WIDTHS = {
    "id": 38,
    "name": 40,
    "legal_name": 45,
    "client": 40,
    "emails": 35,
    "phones": 28,
    "websites": 30,
    "address": 50,
    "notes": 60,
    "tags": 30,
}
MIN_WIDTH, MAX_WIDTH = 10, 60


def neutralise(value: str) -> str:
    """``value`` made safe to open in a spreadsheet (see the module's docstring)."""
    return str(safe_cell(value))


def column_width(key: str, label: str) -> int:
    width = _WIDTHS.get(key, len(label) + 4)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(width, len(label) + 2)))


class TableWriter(Protocol):
    def header(self, columns: Sequence[tuple[str, str]]) -> None: ...

    def rows(self, rows: Iterable[Sequence[str]]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    """CSV in UTF-8 with a byte-order mark (so that Excel opens it as UTF-8)."""

    def __init__(self, stream: IO[bytes], *, delimiter: str = ",") -> None:
        stream.write(codecs.BOM_UTF8)
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text, delimiter=delimiter, lineterminator="\r\n")

    def header(self, columns: Sequence[tuple[str, str]]) -> None:
        self._csv.writerow([neutralise(label) for _key, label in columns])

    def rows(self, rows: Iterable[Sequence[str]]) -> None:
        self._csv.writerows([neutralise(v) for v in row] for row in rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # leave the underlying stream open for the caller


class XlsxWriter:
    """One sheet, bold frozen header, column widths; rows stream to disk (write-only)."""

    def __init__(self, stream: IO[bytes], *, title: str = "Export") -> None:
        self._stream = stream
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=title[:31] or "Export")

    def _cell(self, value: str, *, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
        cell.data_type = "s"  # always text: never a formula, number or date guess
        if bold:
            cell.font = Font(bold=True)
        return cell

    def header(self, columns: Sequence[tuple[str, str]]) -> None:
        for index, (key, label) in enumerate(columns, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = column_width(key, label)
        self._sheet.freeze_panes = "A2"
        self._sheet.append([self._cell(label, bold=True) for _key, label in columns])

    def rows(self, rows: Iterable[Sequence[str]]) -> None:
        for row in rows:
            self._sheet.append([self._cell(v) if v else None for v in row])

    def close(self) -> None:
        self._book.save(self._stream)


def table_writer(
    fmt: str, stream: IO[bytes], *, delimiter: str = ",", title: str = "Export"
) -> TableWriter:
    if fmt == "xlsx":
        return XlsxWriter(stream, title=title)
    return CsvWriter(stream, delimiter=delimiter)
