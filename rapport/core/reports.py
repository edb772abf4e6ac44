"""Spreadsheets core hands out: a job's problems, one row per problem."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Job, JobError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text a spreadsheet would run as a formula gets an apostrophe in front (OWASP)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
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
