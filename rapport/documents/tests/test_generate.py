"""Generating documents for a deal: Cyrillic and Polish text, the product table, amounts
in words, versions, VIP masking; template uploads that must be refused."""

import io
import zipfile
from decimal import Decimal

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from rapport.documents import services
from rapport.documents.models import DocumentTemplate, GeneratedDocument
from rapport.sales.document_context import build_deal_context

from .factories import DEFAULTS, install_template, make_deal

pytestmark = pytest.mark.django_db


def _open(document: GeneratedDocument) -> docx.Document:
    with document.docx.open("rb") as handle:
        return docx.Document(io.BytesIO(handle.read()))


def _text(doc: docx.Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_offer_with_cyrillic_and_polish_text_and_product_table(staff, deal, offer_template):
    document = services.document_generate(
        actor=staff.manager1, template=offer_template, record=deal
    )
    assert document.version == 1
    assert document.target == "sales.deal" and document.object_id == str(deal.pk)
    doc = _open(document)
    rows = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert rows[0][:3] == ["№", "Товар", "Артикул"]
    assert rows[1:] == [
        ["1", "Кресло «Ёж» Łódź", "CH-01", "2", "шт", "500,00", "0", "1\u00a0000,00"],
        ["2", "Biurko źółć (ąćęłńóśźż)", "DS-02", "1,5", "шт", "156,37", "0", "234,56"],
    ]
    totals = [[cell.text for cell in row.cells] for row in doc.tables[1].rows]
    assert totals == [
        ["Итого без НДС:", "1\u00a0028,80 RUB"],
        ["В том числе НДС:", "205,76 RUB"],
        ["Всего к оплате:", "1\u00a0234,56 RUB"],
    ]
    text = _text(doc)
    assert "Кому: Zakład Łódź ąćęłńóśźż Sp. z o.o." in text
    assert "Вниманию: Фёдор Ёжиков, Директор" in text
    assert "«Поставка мебели — Ёлка»" in text
    assert "Всего к оплате: Одна тысяча двести тридцать четыре рубля 56 копеек." in text
    assert "ООО «Раппорт Демо»" in text


def test_each_generation_is_a_new_version(staff, deal, offer_template):
    first = services.document_generate(actor=staff.manager1, template=offer_template, record=deal)
    second = services.document_generate(actor=staff.manager1, template=offer_template, record=deal)
    other = make_deal(manager=staff.manager1)
    third = services.document_generate(actor=staff.manager1, template=offer_template, record=other)
    assert (first.version, second.version, third.version) == (1, 2, 1)
    assert first.docx.name != second.docx.name
    assert second.history.first().history_user == staff.manager1


def test_polish_template_spells_amounts_in_polish(staff, make_deal, media):
    deal = make_deal(manager=staff.manager1, currency="PLN")
    template = install_template(staff.admin, "contract.docx", "pl", name="Umowa")
    document = services.document_generate(actor=staff.manager1, template=template, record=deal)
    text = _text(_open(document))
    assert "Tysiąc dwieście trzydzieści cztery złote 56 groszy" in text
    assert "1\u00a0234,56 PLN" in text


def test_confidential_client_details_are_left_out_for_others(staff, make_deal):
    deal = make_deal(manager=staff.manager1, confidential=True)
    own = build_deal_context(staff.manager1, deal)
    assert own["client"]["phone"] == "+48 22 123 45 67"
    assert own["contact"]["email"] == "fedor@example.com"
    head = build_deal_context(staff.head, deal)
    assert head["client"]["phone"] == "" and head["contact"]["email"] == ""
    assert head["client"]["name"] == "Zakład Łódź Sp. z o.o."


def test_deal_without_lines_uses_its_amount(staff, make_deal):
    deal = make_deal(manager=staff.manager1, lines=False)
    context = build_deal_context(staff.manager1, deal)
    assert context["lines"] == []
    assert context["totals"]["total"] == Decimal("1234.56")


def test_read_only_and_other_managers_cannot_generate(staff, deal, offer_template):
    with pytest.raises(PermissionDenied):
        services.document_generate(actor=staff.viewer, template=offer_template, record=deal)
    with pytest.raises(PermissionDenied):
        services.document_generate(actor=staff.manager2, template=offer_template, record=deal)
    assert not GeneratedDocument.objects.exists()


def test_inactive_template_is_refused(staff, deal, offer_template):
    services.template_set_active(actor=staff.admin, template=offer_template, is_active=False)
    with pytest.raises(ValidationError):
        services.document_generate(actor=staff.manager1, template=offer_template, record=deal)


# --- uploads ---------------------------------------------------------------------------


def _docx_with(text: str) -> bytes:
    doc = docx.Document()
    doc.add_paragraph("Hello")
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _upload(actor, data: bytes, name: str = "t.docx", **kw):
    return services.template_upload(
        actor=actor,
        name=kw.get("title", "Broken"),
        kind="offer",
        target="sales.deal",
        language="en",
        upload=ContentFile(data, name=name),
    )


def test_upload_refuses_a_file_that_is_not_docx(staff, media):
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, b"%PDF-1.4 not a word file", "offer.docx")
    assert "offer.docx: The file is not a DOCX document" in exc.value.message_dict["file"][0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, buffer.getvalue(), "zip.docx")
    assert "no word/document.xml" in exc.value.message_dict["file"][0]
    assert not DocumentTemplate.objects.exists()


def test_upload_names_the_broken_tag(staff, media):
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, _docx_with("Total: {{ totals.total | }} and more"), "bad.docx")
    message = exc.value.message_dict["file"][0]
    assert message.startswith("bad.docx: Template error:")
    assert "{{ totals.total | }}" in message
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, _docx_with("{% if client.name %}unclosed"), "open.docx")
    assert "open.docx" in exc.value.message_dict["file"][0]
    assert "endif" in exc.value.message_dict["file"][0]
    assert not DocumentTemplate.objects.exists()


def test_upload_refuses_unknown_placeholders(staff, media):
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, _docx_with("Dear {{ cleint.name }}"), "typo.docx")
    assert "typo.docx: Unknown placeholder" in exc.value.message_dict["file"][0]
    assert "cleint" in exc.value.message_dict["file"][0]


def test_upload_size_limit(staff, media, monkeypatch):
    monkeypatch.setattr(services, "TEMPLATE_MAX_BYTES", 1000)
    with pytest.raises(ValidationError) as exc:
        _upload(staff.admin, _docx_with("x" * 10))
    assert "larger than" in exc.value.message_dict["file"][0]


def test_only_administrators_upload(staff, media):
    with pytest.raises(PermissionDenied):
        _upload(staff.director, (DEFAULTS / "contract.docx").read_bytes())


def test_new_file_version_keeps_the_old_one(staff, offer_template):
    services.template_replace_file(
        actor=staff.admin,
        template=offer_template,
        upload=ContentFile((DEFAULTS / "contract.ru.docx").read_bytes(), name="v2.docx"),
    )
    offer_template.refresh_from_db()
    assert offer_template.version == 2 and offer_template.original_name == "v2.docx"
    assert [v.number for v in offer_template.versions.all()] == [2, 1]
    assert offer_template.versions.get(number=1).file.size > 0


def test_sample_render_of_every_shipped_template(staff, media):
    for name, language in [
        ("commercial_offer.docx", "en"),
        ("commercial_offer.ru.docx", "ru"),
        ("contract.docx", "en"),
        ("contract.ru.docx", "ru"),
    ]:
        template = install_template(staff.admin, name, language, name=name)
        data = services.template_sample_render(actor=staff.manager1, template=template)
        doc = docx.Document(io.BytesIO(data))
        assert "Office chair Ergo 300" in doc.tables[0].rows[1].cells[1].text


def test_a_generated_document_shows_on_the_deal_timeline(staff, settings, tmp_path):
    from rapport.sales.selectors.deals import deal_timeline

    settings.MEDIA_ROOT = tmp_path
    template = install_template(staff.admin, "commercial_offer.docx", "en", name="Offer")
    deal = make_deal(manager=staff.manager1)
    services.document_generate(actor=staff.manager1, template=template, record=deal)
    [entry] = [i for i in deal_timeline(actor=staff.manager1, deal=deal) if i.kind == "document"]
    assert entry.title == f"Document: Offer — {deal.title}, v1" and entry.user == staff.manager1
