"""Duplicates and merges through the API and the web pages: scope, problem details, undo."""

import pytest
from django.urls import reverse

from rapport.core import jobs
from rapport.core.models import Job
from rapport.parties import services
from rapport.parties.models import Client, DuplicatePair, DuplicateStatus, Merge

pytestmark = pytest.mark.django_db


def create(actor, name, **kwargs):
    return services.client_create(actor=actor, name=name, **kwargs)


@pytest.fixture
def found(staff):
    a = create(staff.manager1, "ООО «Ромашка»", phones=[{"value": "+7 495 123-45-67"}])
    b = create(staff.manager1, "Romashka LLC", phones=[{"value": "84951234567"}])
    c = create(staff.manager2, "Romashka Ltd")
    job = jobs.job_start(actor=staff.admin, kind="duplicate_scan")
    jobs.run_job(str(job.pk))
    return a, b, c


def pair_between(x, y):
    first, second = sorted([str(x.pk), str(y.pk)])
    return DuplicatePair.objects.get(first_id=first, second_id=second)


def test_api_lists_only_pairs_with_both_sides_visible(staff, api, found):
    a, b, _c = found
    body = api(staff.admin).get("/api/v1/duplicates/?target=clients&min_score=0.5").json()
    assert len(body["results"]) == 3
    top = body["results"][0]
    assert {top["first_id"], top["second_id"]} == {str(a.pk), str(b.pk)}
    assert [r["code"] for r in top["reasons"]] == ["phone", "name"]
    mine = api(staff.manager1).get("/api/v1/duplicates/").json()["results"]
    assert len(mine) == 1
    assert api(staff.manager1).get("/api/v1/duplicates/?min_score=0.99").json()["results"] == []
    assert api().get("/api/v1/duplicates/").status_code in (401, 403)


def test_api_dismiss_merge_and_undo(staff, api, found):
    a, b, c = found
    client = api(staff.manager1)
    hidden = pair_between(a, c)
    response = client.post(f"/api/v1/duplicates/{hidden.pk}/dismiss/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    response = client.post(f"/api/v1/duplicates/{pair_between(a, b).pk}/dismiss/")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"

    response = client.post(
        "/api/v1/merges/",
        {"survivor": str(a.pk), "merged": [str(c.pk)]},
        format="json",
    )
    assert response.status_code == 404  # c is manager2's: not in manager1's scope
    response = client.post(
        "/api/v1/merges/",
        {"survivor": str(a.pk), "merged": [str(b.pk)], "fields": {"name": str(b.pk)}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    merge_id = response.json()["id"]
    assert Client.objects.get(pk=a.pk).name == "Romashka LLC"
    assert Client.objects.get(pk=b.pk).deleted_at is not None
    response = client.post(
        "/api/v1/merges/",
        {"survivor": str(a.pk), "merged": [str(a.pk)], "fields": {"bogus": str(a.pk)}},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert api(staff.manager2).get(f"/api/v1/merges/{merge_id}/").status_code == 404
    response = client.post(f"/api/v1/merges/{merge_id}/undo/")
    assert response.status_code == 200 and response.json()["undone_at"]
    assert Client.objects.get(pk=a.pk).name == "ООО «Ромашка»"
    assert client.post(f"/api/v1/merges/{merge_id}/undo/").status_code == 400


def test_api_scan_is_for_administrators_and_directors(staff, api):
    response = api(staff.manager1).post("/api/v1/duplicates/scan/")
    assert response.status_code == 403
    response = api(staff.director).post("/api/v1/duplicates/scan/")
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["job"]).kind == "duplicate_scan"


def test_schema_builds(staff, api):
    response = api(staff.admin).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/merges/{id}/undo/" in response.content


# --- web pages ------------------------------------------------------------------------------


def test_queue_page_and_merge_wizard(staff, client, found):
    a, b, c = found
    client.force_login(staff.manager1)
    page = client.get(reverse("duplicates:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Romashka LLC" in text and "Romashka Ltd" not in text  # c is invisible
    assert 'data-testid="duplicate-scan"' not in text  # managers do not start scans
    wizard = client.get(reverse("duplicates:merge"), {"target": "client", "ids": [a.pk, b.pk]})
    assert wizard.status_code == 200
    assert client.get(reverse("duplicates:merge"), {"ids": [a.pk, c.pk]}).status_code == 404
    response = client.post(
        reverse("duplicates:merge"),
        {
            "target": "client",
            "ids": [str(a.pk), str(b.pk)],
            "survivor": str(b.pk),
            "field_name": str(a.pk),
        },
    )
    merge = Merge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("duplicates:merge_detail", args=[merge.pk])
    assert merge.survivor_id == b.pk
    assert Client.objects.get(pk=b.pk).name == "ООО «Ромашка»"
    assert pair_between(a, b).status == DuplicateStatus.MERGED
    client.post(reverse("duplicates:merge_undo", args=[merge.pk]))
    assert Client.objects.get(pk=a.pk).deleted_at is None


def test_queue_page_dismiss_and_scan_button(staff, client, found):
    a, b, _c = found
    client.force_login(staff.manager1)
    pair = pair_between(a, b)
    client.post(reverse("duplicates:dismiss", args=[pair.pk]))
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.DISMISSED
    assert client.post(reverse("duplicates:scan")).status_code == 403
    client.force_login(staff.admin)
    assert 'data-testid="duplicate-scan"' in client.get(reverse("duplicates:list")).content.decode()
    response = client.post(reverse("duplicates:scan"))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
