"""Build the default invoice template (invoice.docx beside this file) with python-docx.

Run: ``.venv/bin/python rapport/billing/default_templates/make_invoice_template.py``.
The template uses docxtpl syntax: ``{{ ... }}`` placeholders, the document filters
(``money``, ``quantity``, ``date``, ``amount_in_words``) and a table row loop
``{%tr for l in lines %}``.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

COLUMNS = [
    ("#", "{{ l.n }}"),
    ("Description", "{{ l.description }}"),
    ("Qty", "{{ l.quantity|quantity }}"),
    ("Unit", "{{ l.unit }}"),
    ("Price", "{{ l.price|number }}"),
    ("Disc. %", "{{ l.discount_percent|number }}"),
    ("VAT %", "{% if l.vat_rate is not none %}{{ l.vat_rate|number }}{% else %}—{% endif %}"),
    ("Amount", "{{ l.amount|number }}"),
]


def build(path: Path = HERE / "invoice.docx") -> Path:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Liberation Sans"
    style.font.size = Pt(10)

    supplier = doc.add_paragraph()
    supplier.add_run("{{ organisation.legal_name }}").bold = True
    doc.add_paragraph("{{ organisation.address }}")
    doc.add_paragraph("Tax id: {{ organisation.tax_id }}")
    doc.add_paragraph(
        "{% if organisation.bank_details %}{{ organisation.bank_details }}{% endif %}"
    )

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("Invoice {{ invoice.number }} of {{ invoice.date|date }}")
    run.bold = True
    run.font.size = Pt(14)

    doc.add_paragraph("Bill to: {{ client.legal_name }}, tax id {{ client.tax_id }}")
    doc.add_paragraph("{{ client.address }}")
    doc.add_paragraph("{% if contact.name %}Attention: {{ contact.name }}{% endif %}")
    doc.add_paragraph("Payment due: {{ invoice.due_date|date }}")

    table = doc.add_table(rows=3, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, (label, _value) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    # The row loop: first and last rows hold the {%tr %} tags, the middle row repeats.
    table.rows[1].cells[0].text = "{%tr for l in lines %}"
    for cell, (_label, value) in zip(table.rows[2].cells, COLUMNS, strict=True):
        cell.text = value
    loop_end = table.add_row()
    loop_end.cells[0].text = "{%tr endfor %}"

    totals = doc.add_paragraph()
    totals.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    totals.add_run(
        "Net: {{ totals.net|money(invoice.currency) }}   "
        "VAT: {{ totals.vat|money(invoice.currency) }}   "
    )
    total = totals.add_run("Total: {{ totals.total|money(invoice.currency) }}")
    total.bold = True
    doc.add_paragraph(
        "{% if invoice.prices_include_vat %}Prices include VAT.{% else %}VAT is added to the "
        "prices.{% endif %}"
    )
    doc.add_paragraph("Amount in words: {{ totals.total|amount_in_words(invoice.currency) }}")
    doc.add_paragraph("{% if invoice.comment %}{{ invoice.comment }}{% endif %}")
    doc.add_paragraph("")
    doc.add_paragraph("Manager: {{ invoice.manager }}    Signature: ____________________")
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
