"""The 1C exchange pages in Chromium: a CommerceML connection is created, the address for
1C is shown, the exchange log lists its session with the chart, the session opens."""

import pytest
from playwright.sync_api import expect

from rapport.exchange.models import Connection

from .conftest import add_file, add_rejection, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_commerceml_connection_and_log(page, login, staff, exchanger, media):
    login("exchanger")
    page.goto("/exchange/")
    expect(page.get_by_test_id("no-connections")).to_be_visible()
    page.get_by_test_id("new-connection").click()
    page.locator(".dropdown-menu a[data-kind=commerceml]").click()
    page.fill("#id_name", "Trade 11")
    page.fill("#id_code", "ut11")
    page.select_option("#id_run_as", str(exchanger.pk))
    page.select_option("#id_options-query_encoding", "windows-1251")
    page.get_by_test_id("save-connection").click()

    endpoint = page.get_by_test_id("endpoint-url")
    expect(endpoint).to_have_value(f"{page.url.split('/exchange/')[0]}/exchange/1c/ut11/")
    expect(page.get_by_test_id("commerceml-setup")).to_contain_text("exchanger")
    connection = Connection.objects.get(code="ut11")
    assert connection.options["query_encoding"] == "windows-1251"

    # 1C ran an exchange: the log shows it with its counts and the chart.
    session = make_session(connection, counts={"created": 4, "updated": 0, "rejected": 1})
    add_file(session, "import.xml", b"<x/>")
    add_rejection(session)
    page.get_by_test_id("connection-log-link").click()
    row = page.get_by_test_id("session-row")
    expect(row).to_have_count(1)
    expect(row.locator("[data-col=created]")).to_have_text("4")
    expect(row.locator("[data-col=rejected]")).to_have_text("1")
    expect(page.get_by_test_id("session-chart")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('session-chart')")

    row.locator("a").first.click()
    expect(page.get_by_test_id("session-rejections")).to_contain_text("is not a number")
    with page.expect_download() as download:
        page.get_by_test_id("file-download").click()
    assert download.value.suggested_filename == "import.xml"
    assert page.console_errors == []
