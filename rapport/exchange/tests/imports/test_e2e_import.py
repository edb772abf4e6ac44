"""The import wizard in Chromium: upload, mapping (saved as a template), preview with the
problems marked, run, report with the rejected rows and their XLSX."""

import pytest
from playwright.sync_api import expect

from rapport.exchange.models import ImportTemplate
from rapport.parties.models import Client, RelationshipStatus

from .conftest import FILES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_wizard(page, login, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    RelationshipStatus.objects.get_or_create(code="lead", defaults={"name": "Lead"})
    login("manager1")
    page.goto("/imports/")
    page.set_input_files("input[name=file]", str(FILES / "too_long.csv"))
    page.select_option("select[name=target]", "clients")
    page.get_by_test_id("upload-submit").click()

    # Columns guessed from the headers; saved as a template.
    expect(page.locator("select[name=col-0]")).to_have_value("name")
    expect(page.locator("select[name=col-1]")).to_have_value("legal_form")
    page.select_option("select[name=match_on]", "none")
    page.fill("input[name=template_name]", "Old CRM")
    page.get_by_test_id("to-preview").click()

    # Preview: row 3 rejected, the over-long cells marked.
    table = page.get_by_test_id("preview-table")
    expect(table.locator("tr[data-row='2']")).to_have_attribute("data-action", "create")
    expect(table.locator("tr[data-row='3']")).to_have_attribute("data-action", "reject")
    expect(table.locator("tr[data-row='3']")).to_contain_text("At most 300 characters")
    expect(table.locator("tr[data-row='4']")).to_contain_text("At most 64 characters")
    assert not Client.objects.exists()
    assert ImportTemplate.objects.get(owner=staff.manager1).name == "Old CRM"

    # Run: the report shows the counts and the rejected rows.
    page.get_by_test_id("run-import").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_have_attribute("data-status", "done", timeout=30000)
    expect(page.locator("[data-testid=import-counts] [data-count=created]")).to_have_text("1")
    expect(page.locator("[data-testid=import-counts] [data-count=rejected]")).to_have_text("2")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("At most 300 characters")
    expect(errors).to_contain_text("Legal form")
    with page.expect_download() as download:
        page.get_by_test_id("errors-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert list(Client.objects.values_list("name", flat=True)) == ["Short Co"]
    assert Client.objects.get().manager == staff.manager1
    assert page.console_errors == []
