"""Batch changes over every client matching a filter: background, within scope, undoable."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rapport.core import jobs
from rapport.core import services as core_services
from rapport.core.models import Job, JobStatus, PropertyDefinition, PropertyTarget, PropertyType
from rapport.parties import batch, services
from rapport.parties.models import Client, RelationshipStatus, Tag
from rapport.parties.selectors import ClientFilters
from rapport.parties.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """The worker dies (not an Exception: nothing inside catches it)."""


@pytest.fixture
def status():
    return {s.code: s for s in RelationshipStatus.objects.all()}


@pytest.fixture
def book(staff, status):
    """Five "Acme" leads of manager1, two of manager2, one "Other" of manager1."""
    own = [ClientFactory(name=f"Acme {n}", manager=staff.manager1) for n in range(5)]
    theirs = [ClientFactory(name=f"Acme x{n}", manager=staff.manager2) for n in range(2)]
    other = ClientFactory(name="Other", manager=staff.manager1)
    return own, theirs, other


def run(job: Job) -> Job:
    jobs.run_job(str(job.pk))
    job.refresh_from_db()
    return job


def test_changes_every_match_in_the_scope_and_nothing_else(staff, status, book):
    own, theirs, other = book
    job = batch.clients_batch_start(
        actor=staff.manager1,
        action="set_status",
        value=str(status["active"].pk),
        filters=ClientFilters(search="acme"),
    )
    job = run(job)
    assert job.status == JobStatus.DONE
    assert job.total == 5
    assert job.counts == {"changed": 5}
    assert {c.status.code for c in Client.objects.filter(pk__in=[c.pk for c in own])} == {"active"}
    for untouched in [*theirs, other]:
        untouched.refresh_from_db()
        assert untouched.status.code == "lead"
    # Each change went through the service: history and the status timeline record it.
    assert own[0].history.first().status_id == status["active"].pk
    assert own[0].status_changes.filter(new_status=status["active"]).exists()


def test_a_second_run_counts_unchanged_clients(staff, status, book):
    for _n in range(2):
        job = run(
            batch.clients_batch_start(
                actor=staff.head, action="set_status", value=str(status["active"].pk)
            )
        )
    assert job.counts == {"unchanged": 8}


def test_undo_gives_every_client_its_old_value_back(staff, status, book):
    own, *_rest = book
    tag = Tag.objects.create(name="Key account")
    own[0].tags.add(tag)
    job = run(
        batch.clients_batch_start(
            actor=staff.manager1, action="add_tag", value=str(tag.pk), filters=ClientFilters()
        )
    )
    assert job.counts == {"changed": 5, "unchanged": 1}
    undo = run(core_services.job_undo(actor=staff.manager1, job=job))
    assert undo.counts == {"restored": 5}
    assert list(Client.objects.filter(tags=tag)) == [own[0]]
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE


def test_properties_are_set_validated_and_cleared(staff, book):
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="industry",
        label="Industry",
        type=PropertyType.CHOICE,
        choices=["IT", "Retail"],
    )
    with pytest.raises(ValidationError) as error:
        batch.clients_batch_start(
            actor=staff.manager1, action="set_property", value={"code": "industry", "value": "Oil"}
        )
    assert "properties.industry" in error.value.message_dict
    assert not Job.objects.exists()  # nothing started
    run(
        batch.clients_batch_start(
            actor=staff.manager1, action="set_property", value={"code": "industry", "value": "IT"}
        )
    )
    assert Client.objects.filter(properties__industry="IT").count() == 6
    job = run(
        batch.clients_batch_start(
            actor=staff.manager1,
            action="clear_property",
            value={"code": "industry"},
            filters=ClientFilters(search="other"),
        )
    )
    assert job.counts == {"changed": 1}
    assert Client.objects.filter(properties__industry="IT").count() == 5


def test_managers_may_not_reassign_and_readers_may_not_start(staff, book):
    with pytest.raises(PermissionDenied):
        batch.clients_batch_start(
            actor=staff.manager1, action="assign_manager", value=str(staff.manager2.pk)
        )
    with pytest.raises(PermissionDenied):
        batch.clients_batch_start(actor=staff.viewer, action="trash")


def test_clearing_the_manager_and_trash_then_undo(staff, book):
    job = run(
        batch.clients_batch_start(
            actor=staff.director,
            action="assign_manager",
            value="",
            filters=ClientFilters(manager=str(staff.manager2.pk)),
        )
    )
    assert job.counts == {"changed": 2}
    assert Client.objects.filter(manager__isnull=True).count() == 2
    trash = run(batch.clients_batch_start(actor=staff.manager1, action="trash"))
    assert trash.counts == {"changed": 6}
    assert Client.objects.alive().count() == 2
    run(core_services.job_undo(actor=staff.manager1, job=trash))
    assert Client.objects.alive().count() == 8


def test_a_killed_batch_resumes_without_doing_anything_twice(staff, status, book, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", 2)
    real_apply = services.client_batch_apply
    calls = {"n": 0}

    def dying_apply(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # in the second chunk, after its first client
            raise Crash
        return real_apply(**kwargs)

    monkeypatch.setattr(services, "client_batch_apply", dying_apply)
    job = batch.clients_batch_start(
        actor=staff.manager1, action="set_status", value=str(status["active"].pk)
    )
    with pytest.raises(Crash):
        jobs.run_job(str(job.pk))
    job.refresh_from_db()
    assert job.state["last"]  # the first chunk is committed with its checkpoint
    assert job.processed == 2
    job = run(job)  # the worker starts again
    assert job.status == JobStatus.DONE
    assert job.counts == {"changed": 6}
    assert job.changes.count() == 6  # one note per client: undo restores each once


def test_the_list_page_starts_a_batch_over_the_whole_filter(
    client, staff, status, book, django_capture_on_commit_callbacks
):
    client.force_login(staff.manager1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("parties:client_batch"),
            {
                "scope": "all",
                "query": "q=acme",
                "action": "set_status",
                "status": str(status["active"].pk),
            },
        )
    job = Job.objects.get(kind="client_batch")
    assert response.url == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Client.objects.filter(status=status["active"]).count() == 5
    page = client.get(response.url).content.decode()
    assert 'data-testid="job-undo"' in page


def test_the_list_page_offers_the_batch_over_the_filter(client, staff, book):
    client.force_login(staff.manager1)
    page = client.get(reverse("parties:client_list")).content.decode()
    assert 'value="all"' in page
    client.force_login(staff.viewer)
    assert (
        'data-testid="batch-scope"'
        not in client.get(reverse("parties:client_list")).content.decode()
    )


def test_api_batch_over_a_filter_answers_the_job(api, staff, status, book):
    response = api(staff.manager1).post(
        "/api/v1/clients/batch/",
        {"filter": {"search": "acme"}, "action": "set_status", "value": "active"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    if job.status == JobStatus.PENDING:  # no commit inside the test transaction
        run(job)
    assert Client.objects.filter(status=status["active"]).count() == 5
    both = api(staff.manager1).post(
        "/api/v1/clients/batch/",
        {"filter": {}, "ids": [str(book[0][0].pk)], "action": "trash"},
        format="json",
    )
    assert both.status_code == 400
