"""The invoice's printed form: the default template installed on first use, the lines
table and the total in words rendered; PDF when LibreOffice is installed."""

import io

import docx
import pytest
from django.core.exceptions import PermissionDenied

from rapport.billing.services.printing import invoice_document, invoice_pdf
from rapport.documents.rendering import soffice_path

from .conftest import issue

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    with document.docx.open("rb") as handle:
        parsed = docx.Document(io.BytesIO(handle.read()))
    cells = [c.text for t in parsed.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in parsed.paragraphs] + cells)


def test_docx_with_lines_and_words(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = issue(world.staff.manager1, world.client1, total="1234.50", vat="20")
    document = invoice_document(actor=world.staff.manager1, invoice=invoice)
    text = _text(document)
    assert invoice.number in text and "Alpha" in text
    assert "Work" in text and "1,234.50" in text
    assert "One thousand, two hundred and thirty-four" in text
    # unchanged invoice: the same document again; a read-only user gets it too
    assert invoice_document(actor=world.staff.viewer, invoice=invoice).pk == document.pk


def test_read_only_cannot_generate(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = issue(world.staff.manager1, world.client1)
    with pytest.raises(PermissionDenied):
        invoice_document(actor=world.staff.viewer, invoice=invoice)


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")
def test_pdf(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = issue(world.staff.manager1, world.client1)
    document = invoice_pdf(actor=world.staff.manager1, invoice=invoice)
    with document.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
