"""The duplicate queue and the merge wizard in Chromium: review, merge, undo."""

import pytest
from playwright.sync_api import expect

from rapport.core import jobs
from rapport.parties import services
from rapport.parties.models import Client, DuplicatePair, RelationshipStatus

# `page` and `login` come from rapport/web/tests/e2e_fixtures.py (loaded by the root conftest).

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def statuses(db):
    RelationshipStatus.objects.get_or_create(code="lead", defaults={"name": "Lead"})


def test_review_merge_and_undo(page, login, staff, statuses):
    page.on("dialog", lambda dialog: dialog.accept())
    a = services.client_create(
        actor=staff.manager1, name="ООО «Ромашка»", phones=[{"value": "+7 495 123-45-67"}]
    )
    b = services.client_create(
        actor=staff.manager1,
        name="Romashka LLC",
        phones=[{"value": "8 (495) 1234567"}],
        emails=[{"value": "info@romashka.example"}],
    )
    job = jobs.job_start(actor=staff.admin, kind="duplicate_scan")
    jobs.run_job(str(job.pk))
    assert DuplicatePair.objects.count() == 1

    login("manager1")
    page.goto("/duplicates/")
    expect(page.get_by_test_id("duplicate-pair")).to_have_count(1)
    expect(page.get_by_test_id("duplicate-pair")).to_contain_text("same phone")
    page.get_by_test_id("duplicate-merge").click()
    expect(page.get_by_test_id("merge-table")).to_be_visible()
    # Keep the Latin name (second column) on the first record.
    page.locator(
        f"input[name=field_name][value='{b.pk if str(a.pk) < str(b.pk) else a.pk}']"
    ).check()
    page.get_by_test_id("merge-confirm").click()
    expect(page.get_by_test_id("merge-undo")).to_be_visible()
    live = Client.objects.filter(deleted_at__isnull=True)
    assert live.count() == 1
    survivor = live.get()
    assert survivor.contact_points.count() == 2  # one phone (the same number) and the e-mail
    assert survivor.name in ("ООО «Ромашка»", "Romashka LLC")

    page.get_by_test_id("merge-undo").click()
    expect(page.get_by_test_id("merge-undone")).to_be_visible()
    assert Client.objects.filter(deleted_at__isnull=True).count() == 2
    assert page.console_errors == []
