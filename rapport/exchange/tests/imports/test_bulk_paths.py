"""The fast paths of large imports: constant queries per chunk, rows written without
model instances (same values as the ORM would store), parsing in a helper thread."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from rapport.core.models import JobChange, JobError
from rapport.exchange.imports import jobs as import_jobs
from rapport.exchange.imports import services
from rapport.exchange.imports.apply import Importer, ImportOptions
from rapport.exchange.imports.mapping import guess_mapping
from rapport.exchange.imports.readers import SourceRow
from rapport.parties.models import Client, ContactPoint, RelationshipStatus, StatusChange
from rapport.parties.tests.factories import ClientFactory

from .conftest import created_ids, upload

pytestmark = pytest.mark.django_db

HEADERS = ["Name", "Tax id", "Phones", "E-mails", "Relationship status", "Notes"]


def _rows(first: int, n: int) -> list[SourceRow]:
    return [
        SourceRow(
            i + 2,
            [
                f"Client {i} LLC",
                "",
                f"+7 916 {i // 100 % 1000:03d}-{i // 10 % 10:02d}-{i % 100:02d}",
                f"c{i}@example.com",
                "lead",
                "note" if i % 3 else "",
            ],
        )
        for i in range(first, first + n)
    ]


def test_queries_per_chunk_do_not_grow_with_the_chunk(staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = services.import_start(
        actor=staff.manager1, file=upload("clients_en.csv"), name="clients_en.csv"
    )
    # One row of each chunk updates an existing client (matched by e-mail).
    for i in (1, 101):
        client = ClientFactory(name=f"Old {i}", manager=staff.manager1)
        ContactPoint.objects.create(
            client=client,
            channel="email",
            value=f"c{i}@example.com",
            normalized=f"c{i}@example.com",
        )
    options = ImportOptions(mapping=guess_mapping(HEADERS, "clients"), match_on="email")
    importer = Importer(actor=staff.manager1, options=options, headers=HEADERS, job=job)
    # Content types are looked up once per process, whichever chunk needs them first.
    ContentType.objects.get_for_models(Client, ContactPoint)
    with CaptureQueriesContext(connection) as small:
        small_result = importer.process(_rows(0, 3), write=True)
    with CaptureQueriesContext(connection) as big:
        big_result = importer.process(_rows(100, 60), write=True)
    assert small_result.counts == {"created": 2, "updated": 1}
    assert big_result.counts == {"created": 59, "updated": 1}
    assert len(big) == len(small), [q["sql"][:60] for q in big]
    assert Client.objects.filter(name__startswith="Client ").count() == 61 + 2  # renamed
    assert len(created_ids(job, Client)) == 61
    assert len(created_ids(job, ContactPoint)) == 2  # e-mails added to matched clients
    assert JobChange.objects.filter(job=job, action="updated").count() == 2


def test_rows_written_in_bulk_hold_what_the_orm_would_store(staff, run_import):
    job = run_import(staff.manager1, "clients_en.csv")
    assert job.status == "done", job.message
    acme = Client.objects.get(tax_id="7707083893")
    assert acme.created_by == staff.manager1 and acme.deleted_at is None
    assert acme.properties == {} and acme.is_confidential is False
    assert acme.kind == "company" and acme.legal_name == ""
    assert acme.created_at == acme.updated_at
    [history] = acme.history.all()
    assert history.history_type == "+" and history.history_user == staff.manager1
    assert history.name == "Acme Ltd" and history.status_id == acme.status_id
    point = acme.contact_points.get(channel="phone")
    assert (point.value, point.normalized, point.position) == (
        "+7 495 123-45-67",
        "+74951234567",
        0,
    )
    assert point.history.get().history_user == staff.manager1
    globex_phones = Client.objects.get(name="Globex LLC").contact_points.filter(channel="phone")
    assert sorted(globex_phones.values_list("position", flat=True)) == [0, 1]
    change = StatusChange.objects.get(client=acme)
    assert change.new_status == RelationshipStatus.objects.get(code="lead")
    assert change.old_status is None and change.changed_by == staff.manager1
    assert str(acme.pk) in created_ids(job, Client)
    assert not JobChange.objects.filter(job=job, object_id=str(acme.pk)).exists()


def test_a_bad_phone_repeated_is_reported_on_every_row(staff, run_import):
    lines = ["Name,Phones"] + [f"Client {n},12" for n in range(3)] + ["Good,+7 916 000-11-22"]
    job = run_import(staff.manager1, upload("phones.csv", "\n".join(lines).encode()))
    errors = list(JobError.objects.filter(job=job).order_by("row").values_list("row", "message"))
    assert errors == [(n, "“12” is not a phone number.") for n in (2, 3, 4)]
    assert job.counts["created"] == 1


def test_parsing_thread_speaks_the_language_of_the_job(staff, run_import, monkeypatch):
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 2)
    lines = ["Name,Phones"] + [f"Client {n},+7 916 000-11-{n:02d}" for n in range(5)] + ["X,12"]
    with translation.override("ru"):
        job = run_import(staff.manager1, upload("phones.csv", "\n".join(lines).encode()))
    assert job.counts["created"] == 5
    [error] = JobError.objects.filter(job=job)
    assert (error.row, error.message) == (7, "«12» — не номер телефона.")
