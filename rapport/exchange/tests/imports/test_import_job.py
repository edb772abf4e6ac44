import pytest
from django.core.exceptions import ValidationError

from rapport.core import jobs
from rapport.core.models import ExternalId, JobChange, JobError
from rapport.core.services import job_undo
from rapport.exchange.imports import jobs as import_jobs
from rapport.exchange.imports import services
from rapport.parties.models import Client, ContactPerson, ContactPoint, RelationshipStatus
from rapport.parties.tests.factories import ClientFactory

from .conftest import created_ids, upload

pytestmark = pytest.mark.django_db


def errors_of(job):
    return [(e.row, e.field, e.message) for e in JobError.objects.filter(job=job)]


def test_import_creates_clients_with_history_and_scope(staff, run_import):
    job = run_import(staff.manager1, "clients_en.csv")
    assert job.status == "done", job.message
    assert job.counts["created"] == 3 and job.counts["rejected"] == 0
    acme = Client.objects.get(tax_id="7707083893")
    assert acme.manager == staff.manager1 and acme.department == staff.sales
    assert acme.status == RelationshipStatus.objects.get(code="lead")
    assert acme.search_name == "acme ltd" and acme.name_key == "acme"
    globex = Client.objects.get(name="Globex LLC")
    phones = sorted(
        globex.contact_points.filter(channel="phone").values_list("normalized", flat=True)
    )
    assert phones == ["+79160001122", "+79160001123"]
    assert Client.objects.get(name="Initech").notes == "multi\nline"
    assert acme.history.get().history_user == staff.manager1
    assert acme.status_changes.count() == 1
    assert sorted(created_ids(job, Client)) == sorted(
        str(pk) for pk in Client.objects.values_list("pk", flat=True)
    )
    assert job.result["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}


def test_reimport_matches_instead_of_duplicating(staff, run_import):
    run_import(staff.manager1, "clients_en.csv", match_on="email")
    again = run_import(staff.manager1, "clients_en.csv", match_on="email")
    assert again.counts["unchanged"] == 3 and again.counts["created"] == 0
    assert Client.objects.count() == 3


def test_update_then_undo_restores_fields_and_trashes_created(staff, run_import):
    acme = ClientFactory(
        name="Acme Ltd", tax_id="7707083893", manager=staff.manager1, notes="old notes"
    )
    job = run_import(staff.manager1, "clients_en.csv")
    assert (job.counts["updated"], job.counts["created"]) == (1, 2)
    acme.refresh_from_db()
    assert acme.notes == "first"
    assert acme.contact_points.filter(normalized="info@acme.example").exists()
    assert acme.history.first().history_user == staff.manager1
    undo = job_undo(actor=staff.manager1, job=job)
    jobs.run_job(str(undo.pk))
    job.refresh_from_db()
    assert job.status == "undone"
    acme.refresh_from_db()
    assert acme.notes == "old notes" and acme.deleted_at is None
    assert not acme.contact_points.exists()
    assert Client.objects.filter(deleted_at__isnull=True).count() == 1
    assert Client.objects.filter(deleted_at__isnull=False).count() == 2


def test_manager_cannot_touch_or_see_another_managers_client(staff, run_import):
    other = ClientFactory(
        name="Secret Partner", tax_id="7707083893", manager=staff.manager2, notes="private"
    )
    job = run_import(staff.manager1, "clients_en.csv")
    other.refresh_from_db()
    assert other.notes == "private" and other.name == "Secret Partner"
    assert job.counts["rejected"] == 1 and job.counts["created"] == 2
    [(row, _field, message)] = errors_of(job)
    assert row == 2 and "may not change" in message
    assert "Secret" not in message and "manager2" not in message
    assert Client.objects.filter(tax_id="7707083893").count() == 1


def test_head_sees_department_and_may_assign_managers(staff, run_import):
    data = b"Name,Manager\r\nAssigned Co,manager2\r\n"
    rejected = run_import(staff.manager1, upload("assign.csv", data))
    assert rejected.counts["rejected"] == 1
    assert "other managers" in errors_of(rejected)[0][2]
    job = run_import(staff.head, upload("assign.csv", data))
    assert Client.objects.get(name="Assigned Co").manager == staff.manager2, job.message


def test_vip_details_are_not_matched_by_those_who_cannot_see_them(staff, run_import):
    from rapport.parties.models import ClientShare

    vip = ClientFactory(name="VIP", manager=staff.manager2, is_confidential=True)
    ContactPoint.objects.create(
        client=vip, channel="email", value="vip@x.example", normalized="vip@x.example"
    )
    ClientShare.objects.create(client=vip, user=staff.manager1)
    data = b"Name,E-mail,Notes\r\nVIP,vip@x.example,changed\r\n"
    job = run_import(staff.manager1, upload("vip.csv", data), match_on="email")
    assert job.counts["rejected"] == 1
    vip.refresh_from_db()
    assert vip.notes == ""


@pytest.mark.parametrize(
    ("name", "target", "row", "field", "text"),
    [
        ("too_long.csv", "clients", 3, "Name", "At most 300 characters"),
        ("bad_date.csv", "contacts", 3, "Birthday", "unknown format"),
        ("extra_columns.csv", "clients", 3, "", "4 values but the header names 2"),
        ("formula.xlsx", "clients", 2, "Notes", "formula cell"),
        ("wrong_encoding.csv", "clients", 3, "", "not valid utf-8 text"),
    ],
)
def test_bad_rows_are_named_and_skipped(staff, run_import, name, target, row, field, text):
    job = run_import(staff.manager1, name, target=target)
    assert job.status == "done", job.message
    problems = errors_of(job)
    assert any(r == row and f == field and text in m for r, f, m in problems), problems
    assert job.counts["rejected"] >= 1 and job.counts["created"] >= 1


def test_too_long_legal_form_is_named(staff, run_import):
    job = run_import(staff.manager1, "too_long.csv")
    assert (4, "Legal form", "At most 64 characters (this value has 65).") in errors_of(job)
    assert list(Client.objects.values_list("name", flat=True)) == ["Short Co"]


def test_stop_writes_nothing_when_a_row_is_bad(staff, run_import):
    job = run_import(staff.manager1, "extra_columns.csv", on_error="stop")
    assert job.status == "failed"
    assert "Nothing was imported: 1 rows have problems" in job.message
    assert errors_of(job)[0][0] == 3
    assert not Client.objects.exists()


def test_dry_run_counts_and_writes_nothing(staff, run_import):
    job = run_import(staff.manager1, "clients_en.csv", dry_run=True)
    assert job.status == "done" and job.counts["created"] == 3
    assert not Client.objects.exists()


@pytest.mark.parametrize("name", ["not_really.xlsx", "picture.csv", "old_excel.xls", "empty.csv"])
def test_start_refuses_files_that_are_not_what_they_claim(staff, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        services.import_start(actor=staff.manager1, file=upload(name), name=name)
    assert "file" in exc.value.message_dict


def test_readonly_user_cannot_import(staff, settings, tmp_path):
    from django.core.exceptions import PermissionDenied

    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(PermissionDenied):
        services.import_start(actor=staff.viewer, file=upload("clients_en.csv"), name="c.csv")


def test_other_encodings_and_languages(staff, run_import):
    ru = run_import(staff.manager1, "clients_ru_cp1251.csv")
    assert ru.counts["created"] == 2, errors_of(ru)
    run_import(staff.manager1, "clients_pl_cp1250.csv")
    run_import(staff.manager1, "clients.xlsx", match_on="none")
    names = set(Client.objects.values_list("name", flat=True))
    assert {"ООО «Ромашка»", "ИП Иванов", "Zakład Łódź Sp. z o.o.", "Umbrella Corp"} <= names
    assert Client.objects.get(name="Jan Kowalski").kind == "person"
    assert Client.objects.get(name="Zakład Łódź Sp. z o.o.").notes == "Żółta teczka"


def test_contacts_from_vcard_linked_to_visible_client(staff, run_import):
    acme = ClientFactory(name="Acme Ltd", manager=staff.manager1)
    job = run_import(staff.manager1, "contacts.vcf", target="contacts")
    assert job.counts["created"] == 2, errors_of(job)
    smith = ContactPerson.objects.get(last_name="Smith")
    assert smith.birthday.isoformat() == "1980-05-17"
    assert list(smith.clients.all()) == [acme]
    assert smith.roles.get().position == "Buyer"
    assert smith.contact_points.filter(normalized="john.smith@acme.example").exists()


def test_external_ids_match_and_are_undone(staff, run_import):
    data = b"External id,Name\r\nA-1,First\r\nA-2,Second\r\n"
    job = run_import(staff.manager1, upload("ext.csv", data), external_system="old-crm")
    assert job.counts["created"] == 2
    assert ExternalId.objects.filter(system="old-crm").count() == 2
    data2 = b"External id,Name\r\nA-1,First renamed\r\n"
    job2 = run_import(staff.manager1, upload("ext.csv", data2), external_system="old-crm")
    assert job2.counts["updated"] == 1
    assert Client.objects.filter(name="First renamed").exists()
    undo = job_undo(actor=staff.manager1, job=job)
    jobs.run_job(str(undo.pk))
    assert not ExternalId.objects.exists()


def test_crash_and_resume_finishes_without_duplicates(
    staff, run_import, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 10)
    lines = ["Name,Tax id,E-mail"] + [f"Client {n},,c{n}@example.com" for n in range(95)]
    file = upload("big.csv", ("\r\n".join(lines) + "\r\n").encode())
    job = services.import_start(actor=staff.manager1, file=file, name="big.csv")

    class Killed(BaseException):
        pass

    calls = []

    def die_in_fourth_chunk(job, phase, row):
        calls.append(row)
        if len(calls) == 4:
            raise Killed  # inside the 4th chunk's transaction: it is rolled back

    monkeypatch.setattr(import_jobs, "checkpoint_reached", die_in_fourth_chunk)
    with pytest.raises(Killed):
        jobs.run_job(str(job.pk))
    job.refresh_from_db()
    assert job.status == "running" and job.state == {"phase": "write", "row": 31}
    assert Client.objects.count() == 30 and job.counts["created"] == 30
    monkeypatch.setattr(import_jobs, "checkpoint_reached", lambda *a: None)
    assert jobs.run_job(str(job.pk)) == "done"
    job.refresh_from_db()
    assert job.attempts == 2
    assert Client.objects.count() == 95
    assert len(set(Client.objects.values_list("name", flat=True))) == 95
    assert job.counts["created"] == 95 and job.progress == 1.0
    ids = created_ids(job, Client)
    assert len(ids) == len(set(ids)) == 95
    # one note per chunk of new clients, not one per client
    assert JobChange.objects.filter(job=job).count() < 95
