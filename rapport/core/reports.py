"""Spreadsheets core hands out: a job's problems, one row per problem."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Job, JobError

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARKER = "'"


def safe_cell(value: object) -> object:
    """A text a spreadsheet would run as a formula gets an apostrophe in front (OWASP); so
    does a text that starts with an apostrophe, so that ``unsafe_cell`` can undo exactly
    what this did."""
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, TEXT_MARKER)):
        return TEXT_MARKER + value
    return value


def unsafe_cell(value: str) -> str:
    """The text ``safe_cell`` neutralised, as it was: what imports do with a cell that a
    spreadsheet or an export of ours marked as text."""
    if (
        value.startswith(TEXT_MARKER)
        and value[1:2]
        and value[1] in (*FORMULA_TRIGGERS, TEXT_MARKER)
    ):
        return value[1:]
    return value


def job_errors_workbook(job: Job, errors: Iterable[JobError]) -> Workbook:
    """A write-only workbook (memory stays flat) listing row, record, field and reason."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("Problems")[:31])
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 38
    sheet.column_dimensions["C"].width = 24
    sheet.column_dimensions["D"].width = 80
    header = [_("Row"), _("Record"), _("Field"), _("Problem")]
    sheet.append([_bold(sheet, text) for text in header])
    for error in errors:
        sheet.append(
            [error.row, error.object_id or None, safe_cell(error.field), safe_cell(error.message)]
        )
    return book


def _bold(sheet, text: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell
