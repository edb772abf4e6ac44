"""Browser test: on the deal card, generate an offer and download the DOCX."""

import io

import docx
import pytest

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory

from .factories import install_template, make_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_generate_an_offer_and_download_it(page, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = UserFactory(username="boss", role=Role.ADMINISTRATOR)
    manager = UserFactory(username="anna", role=Role.MANAGER)
    template = install_template(admin, "commercial_offer.ru.docx", "ru", name="КП")
    deal = make_deal(manager=manager)
    login("anna")
    page.goto(deal.get_absolute_url())
    panel = page.get_by_test_id("record-documents")
    panel.get_by_test_id("no-documents").wait_for()
    panel.get_by_test_id("generate-template").select_option(str(template.pk))
    panel.get_by_test_id("generate").click()
    page.get_by_test_id("document").wait_for()
    assert page.url.endswith(deal.get_absolute_url())  # back on the deal card
    assert page.get_by_test_id("document-version").inner_text() == "v1"
    with page.expect_download() as info:
        page.get_by_test_id("download-docx").click()
    download = info.value
    assert download.suggested_filename.endswith("v1.docx")
    with open(download.path(), "rb") as handle:
        doc = docx.Document(io.BytesIO(handle.read()))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[1][1] == "Кресло «Ёж» Łódź" and rows[2][1] == "Biurko źółć (ąćęłńóśźż)"
    assert page.console_errors == []
