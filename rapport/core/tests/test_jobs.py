"""Background jobs: running, failing, resuming after a crash, undo, access, pages and API."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rapport.core import jobs, services
from rapport.core.models import Job, JobStatus
from rapport.parties.models import Client
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ITEMS = 7


class Crash(BaseException):
    """Stands for the worker process dying: not an Exception, so nothing catches it."""


@jobs.handler("test_count", label="Count")
def _count(job: Job, progress: jobs.Progress) -> None:
    start = job.state.get("done", 0)
    progress.set_total(ITEMS)
    for item in range(start, ITEMS):
        if item == job.params.get("crash_at") and job.attempts == 1:
            raise Crash
        progress.count("seen")
        if item % 2:
            progress.error(f"odd item {item}", row=item + 1, field="value")
        progress.advance(1, state={"done": item + 1})
        progress.flush(force=True)
    job.result = {"last": ITEMS - 1}


@jobs.handler("test_refuse", label="Refuse")
def _refuse(job: Job, progress: jobs.Progress) -> None:
    raise ValidationError("Row 3, field “name”: too long.")


@jobs.handler("test_rename", label="Rename", undoable=True)
def _rename(job: Job, progress: jobs.Progress) -> None:
    actor = job.created_by
    for pk in job.params["rename"]:
        client = Client.objects.get(pk=pk)
        progress.note_updated(client, {"name": client.name, "tags": []})
        client.name = client.name.upper()
        client.save()
        progress.count("updated")
    new = Client.objects.create(name="Created by job", manager=actor)
    progress.note_created([new])
    progress.count("created")


def test_a_job_runs_when_its_transaction_commits(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(actor=staff.manager1, kind="test_count")
        assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.progress == 1.0
    assert job.counts == {"seen": ITEMS, "errors": 3}
    assert job.result == {"last": ITEMS - 1}
    assert list(job.errors.values_list("row", flat=True)) == [2, 4, 6]


def test_a_refused_job_fails_with_a_readable_message(staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_refuse")
    assert jobs.run_job(str(job.pk)) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.message == "Row 3, field “name”: too long."
    assert job.finished_at is not None


def test_a_killed_job_resumes_from_its_checkpoint(staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_count", params={"crash_at": 4})
    with pytest.raises(Crash):
        jobs.run_job(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert job.state == {"done": 4}
    assert job.processed == 4
    # The heartbeat stops; the beat task finds the job and queues it again.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER * 2)
    assert jobs.resume_stale_jobs() == 1  # eager: runs it at once
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.attempts == 2
    assert job.processed == ITEMS
    assert job.counts["seen"] == ITEMS  # every item once, none twice
    assert job.errors.count() == 3


def test_a_finished_job_is_not_run_again(staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_count")
    jobs.run_job(str(job.pk))
    assert jobs.run_job(str(job.pk)) == JobStatus.DONE
    job.refresh_from_db()
    assert job.attempts == 1


def test_undo_restores_changed_fields_and_trashes_created_records(staff):
    first = ClientFactory(name="Alpha", manager=staff.manager1)
    second = ClientFactory(name="Beta", manager=staff.manager1)
    job = jobs.job_start(
        actor=staff.manager1, kind="test_rename", params={"rename": [str(first.pk), str(second.pk)]}
    )
    jobs.run_job(str(job.pk))
    first.refresh_from_db()
    assert first.name == "ALPHA"
    job.refresh_from_db()
    assert jobs.is_undoable(job)

    undo = services.job_undo(actor=staff.manager1, job=job)
    jobs.run_job(str(undo.pk))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, second.name) == ("Alpha", "Beta")
    created = Client.objects.get(name="Created by job")
    assert created.deleted_at is not None
    job.refresh_from_db()
    undo.refresh_from_db()
    assert job.status == JobStatus.UNDONE
    assert undo.status == JobStatus.DONE
    assert undo.counts == {"restored": 2, "trashed": 1}
    # The undo itself is in the history of the record.
    assert first.history.first().name == "Alpha"
    with pytest.raises(ValidationError):
        services.job_undo(actor=staff.manager1, job=job)


def test_only_the_author_or_an_administrator_may_undo(staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_rename", params={"rename": []})
    jobs.run_job(str(job.pk))
    job.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.job_undo(actor=staff.manager2, job=job)
    assert services.job_undo(actor=staff.admin, job=job).kind == "undo"


def test_a_job_that_cannot_be_undone_says_so(staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_count")
    jobs.run_job(str(job.pk))
    job.refresh_from_db()
    with pytest.raises(ValidationError):
        services.job_undo(actor=staff.manager1, job=job)


# --- pages -----------------------------------------------------------------------------


def _finished_job(user) -> Job:
    job = jobs.job_start(actor=user, kind="test_count")
    jobs.run_job(str(job.pk))
    job.refresh_from_db()
    return job


def test_job_pages_show_progress_counts_and_problems(client, staff):
    job = _finished_job(staff.manager1)
    client.force_login(staff.manager1)
    listing = client.get(reverse("core:job_list"))
    assert str(job) in listing.content.decode()
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert 'data-status="done"' in page
    assert "odd item 3" in page
    assert 'data-count="seen">7<' in page
    assert "?part=progress" not in page  # finished: no polling (the bell polls on every page)


def test_progress_fragment_polls_while_running_and_reloads_the_page_when_done(client, staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_count")
    client.force_login(staff.manager1)
    url = reverse("core:job_detail", args=[job.pk]) + "?part=progress"
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Refresh" not in running
    jobs.run_job(str(job.pk))
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_problems_download_as_xlsx(client, staff):
    job = _finished_job(staff.manager1)
    client.force_login(staff.manager1)
    response = client.get(reverse("core:job_errors_xlsx", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Row", "Record", "Field", "Problem")
    assert rows[1:] == [
        (2, None, "value", "odd item 1"),
        (4, None, "value", "odd item 3"),
        (6, None, "value", "odd item 5"),
    ]


def test_someone_elses_job_is_not_found(client, staff):
    job = _finished_job(staff.manager1)
    client.force_login(staff.manager2)
    for name in ("core:job_detail", "core:job_download", "core:job_errors_xlsx"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("core:job_undo", args=[job.pk])).status_code == 404
    client.force_login(staff.admin)
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 200


def test_undo_from_the_page(client, staff):
    first = ClientFactory(name="Gamma", manager=staff.manager1)
    job = jobs.job_start(
        actor=staff.manager1, kind="test_rename", params={"rename": [str(first.pk)]}
    )
    jobs.run_job(str(job.pk))
    client.force_login(staff.manager1)
    response = client.post(reverse("core:job_undo", args=[job.pk]))
    undo = Job.objects.get(kind="undo")
    assert response.url == reverse("core:job_detail", args=[undo.pk])


# --- API -------------------------------------------------------------------------------


def test_api_answers_the_job_with_its_problems(api, staff):
    job = _finished_job(staff.manager1)
    answer = api(staff.manager1).get(f"/api/v1/jobs/{job.pk}/").json()
    assert answer["status"] == "done"
    assert answer["progress"] == 1.0
    assert answer["counts"] == {"seen": 7, "errors": 3}
    assert answer["errors"][0] == {
        "row": 2,
        "object_id": "",
        "field": "value",
        "message": "odd item 1",
    }
    assert answer["file_url"] is None
    assert api(staff.manager2).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api().get(f"/api/v1/jobs/{job.pk}/").status_code == 401
    listed = api(staff.manager1).get("/api/v1/jobs/").json()["results"]
    assert [row["id"] for row in listed] == [str(job.pk)]
    assert api(staff.manager2).get("/api/v1/jobs/").json()["results"] == []


def test_api_undo(api, staff):
    job = jobs.job_start(actor=staff.manager1, kind="test_rename", params={"rename": []})
    jobs.run_job(str(job.pk))
    response = api(staff.manager1).post(f"/api/v1/jobs/{job.pk}/undo/")
    assert response.status_code == 202
    assert response.json()["kind"] == "undo"
    again = api(staff.manager1).post(f"/api/v1/jobs/{job.pk}/undo/")
    assert again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
