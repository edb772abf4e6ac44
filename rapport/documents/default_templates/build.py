"""Builds the default DOCX templates shipped with Rapport (a commercial offer and a sales
contract, in English and Russian) with python-docx.

    .venv/bin/python -m rapport.documents.default_templates.build

The files are committed; run this again after changing the texts below. Placeholders are
those of the "sales.deal" target (see rapport/sales/document_context.py); the product
table repeats its middle row with docxtpl's ``{%tr for l in lines %}`` row tags.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent

TEXTS = {
    "en": {
        "offer_title": "Commercial offer No. {{ deal.number }} of {{ today|date('long') }}",
        "to": "To: {{ client.legal_name }}",
        "attn": "{% if contact.name %}Attn.: {{ contact.name }}"
        "{% if contact.position %}, {{ contact.position }}{% endif %}{% endif %}",
        "intro": "Dear {{ contact.name or client.name }}, we are pleased to offer you the "
        "following goods and services for “{{ deal.title }}”:",
        "columns": ["No.", "Product", "SKU", "Qty", "Unit", "Price", "Disc., %", "Amount"],
        "net": "Total without VAT:",
        "vat": "VAT:",
        "total": "Total:",
        "in_words": "Total to pay: {{ totals.total_in_words }}.",
        "valid": "{% if deal.expected_close %}The offer is valid until "
        "{{ deal.expected_close|date('long') }}.{% else %}The offer is valid for 30 days."
        "{% endif %}",
        "regards": "Yours sincerely,",
        "manager": "{{ deal.manager }}{% if deal.manager_phone %}, {{ deal.manager_phone }}"
        "{% endif %}{% if deal.manager_email %}, {{ deal.manager_email }}{% endif %}",
        "contract_title": "Sales contract No. {{ deal.number }}",
        "contract_date": "{{ today|date('long') }}",
        "parties": "{{ organisation.legal_name }} (the Seller), tax id {{ organisation.tax_id }},"
        " and {{ client.legal_name }} (the Buyer){% if client.tax_id %}, tax id "
        "{{ client.tax_id }}{% endif %}, have agreed as follows.",
        "s1": "1. Subject. The Seller sells and the Buyer buys the goods and services listed "
        "below.",
        "s2": "2. Price. The total price is {{ totals.total|money(totals.currency) }} "
        "({{ totals.total_in_words }}), of which VAT {{ totals.vat|money(totals.currency) }}.",
        "s3": "3. Payment. The Buyer pays within 10 banking days of the invoice.",
        "s4": "4. Delivery. The Seller delivers within 30 days of the payment"
        "{% if client.address %} to {{ client.address }}{% endif %}.",
        "s5": "5. Disputes are settled by negotiation, failing that by the court of the "
        "Seller's seat.",
        "seller": "Seller",
        "buyer": "Buyer",
        "signature": "Signature: ____________________",
    },
    "ru": {
        "offer_title": "Коммерческое предложение № {{ deal.number }} от {{ today|date('long') }}",
        "to": "Кому: {{ client.legal_name }}",
        "attn": "{% if contact.name %}Вниманию: {{ contact.name }}"
        "{% if contact.position %}, {{ contact.position }}{% endif %}{% endif %}",
        "intro": "Уважаемый(ая) {{ contact.name or client.name }}! Предлагаем Вам следующие "
        "товары и услуги по сделке «{{ deal.title }}»:",
        "columns": ["№", "Товар", "Артикул", "Кол-во", "Ед.", "Цена", "Скидка, %", "Сумма"],
        "net": "Итого без НДС:",
        "vat": "В том числе НДС:",
        "total": "Всего к оплате:",
        "in_words": "Всего к оплате: {{ totals.total_in_words }}.",
        "valid": "{% if deal.expected_close %}Предложение действительно до "
        "{{ deal.expected_close|date('long') }}{% else %}Предложение действительно 30 дней."
        "{% endif %}",
        "regards": "С уважением,",
        "manager": "{{ deal.manager }}{% if deal.manager_phone %}, {{ deal.manager_phone }}"
        "{% endif %}{% if deal.manager_email %}, {{ deal.manager_email }}{% endif %}",
        "contract_title": "Договор купли-продажи № {{ deal.number }}",
        "contract_date": "{{ today|date('long') }}",
        "parties": "{{ organisation.legal_name }} (Продавец), ИНН {{ organisation.tax_id }}, и "
        "{{ client.legal_name }} (Покупатель){% if client.tax_id %}, ИНН {{ client.tax_id }}"
        "{% endif %}, заключили настоящий договор о нижеследующем.",
        "s1": "1. Предмет договора. Продавец передаёт, а Покупатель принимает и оплачивает "
        "товары и услуги, перечисленные ниже.",
        "s2": "2. Цена. Общая сумма договора {{ totals.total|money(totals.currency) }} "
        "({{ totals.total_in_words }}), в том числе НДС {{ totals.vat|money(totals.currency) }}.",
        "s3": "3. Оплата. Покупатель оплачивает счёт в течение 10 банковских дней.",
        "s4": "4. Поставка. Продавец поставляет товар в течение 30 дней после оплаты"
        "{% if client.address %} по адресу: {{ client.address }}{% endif %}.",
        "s5": "5. Споры разрешаются путём переговоров, а при недостижении согласия — в суде "
        "по месту нахождения Продавца.",
        "seller": "Продавец",
        "buyer": "Покупатель",
        "signature": "Подпись: ____________________",
    },
}


def _paragraph(doc, text: str, *, bold: bool = False, size: int | None = None, align=None):
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _header(doc) -> None:
    _paragraph(doc, "{{ organisation.legal_name }}", bold=True, size=12)
    _paragraph(
        doc,
        "{% if organisation.tax_id %}{{ organisation.tax_id }}{% endif %}"
        "{% if organisation.address %} · {{ organisation.address }}{% endif %}",
        size=9,
    )


def _lines_table(doc, t: dict) -> None:
    columns = t["columns"]
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    # docxtpl: the rows holding {%tr ... %} disappear; the row between them repeats.
    table.rows[1].cells[0].text = "{%tr for l in lines %}"
    fields = [
        "{{ l.n }}",
        "{{ l.product }}{% if l.description %} ({{ l.description }}){% endif %}",
        "{{ l.sku }}",
        "{{ l.quantity|quantity }}",
        "{{ l.unit }}",
        "{{ l.price|money }}",
        "{{ l.discount|quantity }}",
        "{{ l.amount|money }}",
    ]
    for cell, text in zip(table.rows[2].cells, fields, strict=True):
        cell.text = text
    for index in (0, 2, 3, 5, 6, 7):
        for row in table.rows[2:3]:
            row.cells[index].paragraphs[0].alignment = (
                WD_ALIGN_PARAGRAPH.RIGHT if index >= 3 else WD_ALIGN_PARAGRAPH.LEFT
            )
    table.rows[3].cells[0].text = "{%tr endfor %}"
    widths = [Cm(1), Cm(5.5), Cm(2), Cm(1.6), Cm(1.2), Cm(2.2), Cm(1.6), Cm(2.4)]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _totals(doc, t: dict) -> None:
    table = doc.add_table(rows=3, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    rows = [
        (t["net"], "{{ totals.net|money(totals.currency) }}"),
        (t["vat"], "{{ totals.vat|money(totals.currency) }}"),
        (t["total"], "{{ totals.total|money(totals.currency) }}"),
    ]
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text = label
        row.cells[1].text = value
        row.cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.rows[2].cells[0].paragraphs[0].runs[0].bold = True
    table.rows[2].cells[1].paragraphs[0].runs[0].bold = True


def _document():
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Liberation Sans"
    style.font.size = Pt(10)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.5)
    return doc


def build_offer(language: str, path: Path) -> None:
    t = TEXTS[language]
    doc = _document()
    _header(doc)
    _paragraph(doc, t["offer_title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, t["to"])
    _paragraph(doc, t["attn"])
    _paragraph(doc, t["intro"])
    _lines_table(doc, t)
    _totals(doc, t)
    _paragraph(doc, t["in_words"], bold=True)
    _paragraph(doc, t["valid"])
    _paragraph(doc, t["regards"])
    _paragraph(doc, t["manager"])
    doc.save(str(path))


def build_contract(language: str, path: Path) -> None:
    t = TEXTS[language]
    doc = _document()
    _paragraph(doc, t["contract_title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, t["contract_date"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, t["parties"])
    _paragraph(doc, t["s1"])
    _lines_table(doc, t)
    _totals(doc, t)
    for key in ("s2", "s3", "s4", "s5"):
        _paragraph(doc, t[key])
    table = doc.add_table(rows=4, cols=2)
    cells = [
        (t["seller"], t["buyer"]),
        ("{{ organisation.legal_name }}", "{{ client.legal_name }}"),
        ("{{ organisation.address }}", "{{ client.address }}"),
        (t["signature"], t["signature"]),
    ]
    for row, (left, right) in zip(table.rows, cells, strict=True):
        row.cells[0].text = left
        row.cells[1].text = right
    doc.save(str(path))


# file name -> (builder, language)
FILES = {
    "commercial_offer.docx": (build_offer, "en"),
    "commercial_offer.ru.docx": (build_offer, "ru"),
    "contract.docx": (build_contract, "en"),
    "contract.ru.docx": (build_contract, "ru"),
}


def build_all(directory: Path = HERE) -> list[Path]:
    paths = []
    for name, (builder, language) in FILES.items():
        path = directory / name
        builder(language, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for built in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(built)
