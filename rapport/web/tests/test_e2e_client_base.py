"""The client base as a user sees it, in Chromium: log in, create a client with a contact
person, find it by a phone typed differently, edit it, see the history, attach a file and a
new version, batch-assign a manager, move to trash and restore."""

import re

import pytest
from playwright.sync_api import expect

from rapport.parties.models import Client, ContactPerson, RelationshipStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def statuses(db):
    # A live-server test flushes the database between tests, data migrations included.
    for code, name, pos in (("lead", "Lead", 10), ("active", "Active client", 30)):
        RelationshipStatus.objects.get_or_create(
            code=code, defaults={"name": name, "position": pos}
        )


def test_client_base_journey(page, login, staff, statuses, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    login("head.sales")
    expect(page.locator("h1")).to_be_visible()

    # Create a client with a phone and an e-mail.
    page.goto("/clients/new/")
    page.fill("input[name=name]", "Vostok Trading")
    page.fill("input[name=tax_id]", "7707083893")
    page.locator("input[name=phones-value]").first.fill("+7 495 123-45-67")
    page.locator("input[name=emails-value]").first.fill("sales@vostok.example")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("client-name")).to_have_text(re.compile("Vostok Trading"))
    client = Client.objects.get(name="Vostok Trading")
    assert client.manager == staff.head
    assert client.contact_points.get(channel="phone").normalized == "+74951234567"

    # Add a contact person from the card.
    page.get_by_test_id("tab-contacts").click()
    page.get_by_test_id("contact-add").click()
    page.fill("input[name=last_name]", "Sokolov")
    page.fill("input[name=first_name]", "Ivan")
    page.get_by_test_id("form-submit").click()
    expect(page.locator("main")).to_contain_text("Sokolov Ivan")
    contact = ContactPerson.objects.get(last_name="Sokolov")
    assert list(contact.clients.all()) == [client]

    # Find the client by its phone typed in another format.
    page.goto("/clients/")
    page.get_by_test_id("client-search").fill("8 (495) 1234567")
    expect(page.get_by_test_id("client-row")).to_have_count(1)
    expect(page.get_by_test_id("client-row").first).to_contain_text("Vostok Trading")

    # Edit it and see the change in the history.
    page.get_by_test_id("client-link").first.click()
    page.get_by_test_id("client-edit").click()
    page.fill("input[name=name]", "Vostok Trading Group")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("client-name")).to_have_text(re.compile("Vostok Trading Group"))
    page.get_by_test_id("tab-history").click()
    history = page.get_by_test_id("history-panel")
    expect(history).to_contain_text("Vostok Trading Group")
    expect(history).to_contain_text("Vostok Trading")

    # Attach a file, then a new version; the old version stays downloadable.
    first = tmp_path / "offer.txt"
    first.write_text("version one")
    second = tmp_path / "offer-v2.txt"
    second.write_text("version two")
    page.get_by_test_id("tab-files").click()
    files = page.get_by_test_id("files-panel")
    files.locator("input[type=file]").last.set_input_files(str(first))
    files.get_by_test_id("upload").click()
    expect(files.get_by_test_id("attachment")).to_have_count(1)
    files.get_by_test_id("attachment").first.locator("input[type=file]").set_input_files(
        str(second)
    )
    files.get_by_test_id("upload-version").click()
    expect(files.get_by_test_id("download-old")).to_have_count(1)
    files.locator("details summary").first.click()
    with page.expect_download() as download_info:
        files.get_by_test_id("download-old").first.click()
    assert download_info.value.path().read_text() == "version one"

    # Batch-assign a manager from the list.
    page.goto("/clients/")
    row = page.get_by_test_id("client-row").filter(has_text="Vostok Trading Group")
    row.get_by_test_id("row-select").check()
    page.get_by_test_id("batch-action").select_option("assign_manager")
    page.get_by_test_id("batch-manager").select_option(str(staff.manager2.pk))
    page.get_by_test_id("batch-submit").click()
    page.wait_for_load_state("networkidle")
    client.refresh_from_db()
    assert client.manager == staff.manager2

    # Move to trash, then restore from the trash.
    page.goto(f"/clients/{client.pk}/")
    page.get_by_test_id("client-trash").click()
    page.wait_for_load_state("networkidle")
    client.refresh_from_db()
    assert client.deleted_at is not None
    page.goto("/trash/")
    table = page.get_by_test_id("trash-table")
    expect(table).to_contain_text("Vostok Trading Group")
    table.locator("tr", has_text="Vostok Trading Group").get_by_role(
        "button", name=re.compile("Restore")
    ).click()
    page.wait_for_load_state("networkidle")
    client.refresh_from_db()
    assert client.deleted_at is None
    page.goto("/clients/")
    expect(page.get_by_test_id("client-rows")).to_contain_text("Vostok Trading Group")
    assert page.console_errors == []


def test_vip_client_details_hidden_from_other_manager(page, login, staff, statuses):
    from rapport.parties import services

    client = services.client_create(
        actor=staff.admin,
        name="Secret Partner",
        manager=staff.manager1,
        is_confidential=True,
        phones=[{"value": "+48 600 100 200", "type": "work"}],
    )
    services.client_share(actor=staff.admin, client=client, user=staff.manager2)
    login("manager2")
    page.goto(f"/clients/{client.pk}/")
    expect(page.get_by_test_id("client-name")).to_contain_text("Secret Partner")
    expect(page.locator("body")).not_to_contain_text("600 100 200")
    page.goto("/clients/")
    expect(page.get_by_test_id("client-rows")).not_to_contain_text("600 100 200")
