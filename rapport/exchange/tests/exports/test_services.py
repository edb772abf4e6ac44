"""List exports: columns, formula neutralisation, filters, scope, VIP masking, audit, jobs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from rapport.core import jobs
from rapport.core.models import AuditEvent, AuditLog, Job, JobStatus
from rapport.core.reports import FORMULA_TRIGGERS
from rapport.exchange.exports import services
from rapport.exchange.exports.writers import neutralise
from rapport.exchange.fields import CLIENT_COLUMNS, CONTACT_COLUMNS, LIST_SEPARATOR
from rapport.parties import services as party_services

from .conftest import as_dicts, read_csv, read_xlsx


def export(actor, target="clients", fmt="csv", query="", language="en", **options):
    spec = services.export_spec(target=target, fmt=fmt, query=query, language=language, **options)
    outcome = services.export_start(actor=actor, spec=spec, background=False)
    assert outcome.job is None
    return outcome.file


def table(actor, target="clients", fmt="csv", query="", **options):
    file = export(actor, target, fmt, query, **options)
    rows = read_xlsx(file.content) if fmt == "xlsx" else read_csv(file.content)
    return as_dicts(rows)


def names(rows):
    return [r["Name"] for r in rows]


# --- neutralisation --------------------------------------------------------------------


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_neutralise_prefixes_every_trigger(trigger):
    assert neutralise(f"{trigger}1+1") == f"'{trigger}1+1"


def test_neutralise_escapes_an_apostrophe_and_leaves_plain_text():
    assert neutralise("'quoted") == "''quoted"
    assert neutralise("plain = text") == "plain = text"
    assert neutralise("") == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_cells_are_neutralised(staff, fmt):
    notes = {t: f"{t}cmd|' /C calc'!A0" for t in FORMULA_TRIGGERS}
    for index, note in enumerate(notes.values()):
        party_services.client_create(
            actor=staff.manager1,
            name=f"Client {index}",
            notes=note,
            phones=[{"value": "+7 999 123-45-67", "type": "work"}],
        )
    file = export(staff.manager1, fmt=fmt)
    rows = as_dicts(read_xlsx(file.content) if fmt == "xlsx" else read_csv(file.content))
    assert sorted(r["Notes"] for r in rows) == sorted(f"'{n}" for n in notes.values())
    # Phone numbers start with "+": neutralised too (the import strips the apostrophe).
    assert {r["Phones"] for r in rows} == {"'+7 999 123-45-67"}
    if fmt == "xlsx":
        import io

        sheet = load_workbook(io.BytesIO(file.content)).active
        assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value)


# --- columns ----------------------------------------------------------------------------


def test_client_columns_follow_the_catalogue_in_the_users_language(staff, book):
    rows = read_csv(export(staff.director).content)
    assert rows[0] == [str(c.label) for c in CLIENT_COLUMNS] + ["Tier", "Budget"]
    russian = read_csv(export(staff.director, language="ru").content)[0]
    assert russian[CLIENT_COLUMNS.index(next(c for c in CLIENT_COLUMNS if c.key == "name"))] == (
        "Наименование"
    )
    assert russian[-2:] == ["Tier", "Budget"]


def test_client_cells(staff, book):
    alpha = next(r for r in table(staff.director) if r["Name"] == "Alpha LLC")
    assert alpha["Rapport id"] == str(book.alpha.pk)
    assert alpha["Kind"] == "company"
    assert alpha["Tax id"] == "7707083893"
    assert alpha["Relationship status"] == book.active.name
    assert alpha["Manager"] == "manager1"
    assert alpha["Department"] == "Sales"
    assert alpha["Categories"] == "Key account"
    assert alpha["Confidential (VIP)"] == "no"
    assert alpha["Phones"] == "'+7 999 123-45-67"
    assert alpha["E-mails"] == "info@alpha.example"
    assert alpha["Notes"] == '\'=HYPERLINK("http://evil")'
    assert (alpha["Tier"], alpha["Budget"]) == ("gold", "100")


def test_many_valued_cells_are_joined_with_the_list_separator(staff):
    party_services.client_create(
        actor=staff.manager1,
        name="Many",
        emails=[{"value": "a@x.example", "type": "work"}, {"value": "b@x.example", "type": "home"}],
    )
    (row,) = table(staff.manager1)
    assert row["E-mails"] == LIST_SEPARATOR.join(["a@x.example", "b@x.example"])


def test_contact_columns(staff, book):
    rows = read_csv(export(staff.manager1, target="contacts").content)
    assert rows[0] == [str(c.label) for c in CONTACT_COLUMNS]
    ivan = next(r for r in as_dicts(rows) if r["Last name"] == "Иванов")
    assert ivan["First name"] == "Иван"
    assert ivan["Middle name"] == "Петрович"
    assert ivan["Client"] == "Alpha LLC"
    assert ivan["Client tax id"] == "7707083893"
    assert ivan["Position"] == "Director"
    assert ivan["Birthday"] == "1980-05-17"
    assert ivan["Phones"] == "'+7 916 000-00-01"
    assert ivan["E-mails"] == "ivan@alpha.example"


# --- filters and order --------------------------------------------------------------------


def test_filters_of_the_list_are_respected(staff, book):
    director = staff.director
    assert names(table(director, query=f"status={book.active.pk}")) == [
        "Alpha LLC",
        "Gamma service",
    ]
    assert names(table(director, query="q=beta")) == ["Beta"]
    assert names(table(director, query="confidential=yes")) == ["Vip Holding"]
    assert names(table(director, query="prop_tier=gold")) == ["Alpha LLC"]
    assert names(table(director, query=f"tag={book.tag.pk}")) == ["Alpha LLC"]
    assert names(table(director, query=f"manager={staff.manager2.pk}")) == ["Beta"]
    assert names(table(director, query="cursor=abc&q=alpha")) == ["Alpha LLC"]


def test_sort_order_of_the_list(staff, book):
    assert names(table(staff.director)) == ["Alpha LLC", "Beta", "Gamma service", "Vip Holding"]
    assert names(table(staff.director, query="sort=-created")) == [
        "Gamma service",
        "Beta",
        "Vip Holding",
        "Alpha LLC",
    ]


def test_contact_filters(staff, book):
    rows = table(staff.director, target="contacts", query=f"client={book.beta.pk}")
    assert [r["Last name"] for r in rows] == ["Brown"]
    rows = table(staff.director, target="contacts", query="q=kowal")
    assert [r["Last name"] for r in rows] == ["Kowalska"]


# --- scope and VIP masking ---------------------------------------------------------------

# role -> (clients in scope, may see the VIP client's details)
SCOPE = {
    "admin": ({"Alpha LLC", "Vip Holding", "Beta", "Gamma service"}, True),
    "director": ({"Alpha LLC", "Vip Holding", "Beta", "Gamma service"}, True),
    "head": ({"Alpha LLC", "Vip Holding", "Beta"}, False),
    "manager1": ({"Alpha LLC", "Vip Holding"}, True),
    "manager2": ({"Beta"}, False),
    "manager3": ({"Gamma service"}, False),
    "viewer": ({"Alpha LLC", "Vip Holding", "Beta", "Gamma service"}, False),
    "viewer_sales": ({"Alpha LLC", "Vip Holding", "Beta"}, False),
}


@pytest.mark.parametrize("role", sorted(SCOPE))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_scope_and_vip_masking_for_every_role(staff, book, role, fmt):
    expected, sees_vip = SCOPE[role]
    rows = {r["Name"]: r for r in table(getattr(staff, role), fmt=fmt)}
    assert set(rows) == expected
    if "Vip Holding" in rows:
        vip = rows["Vip Holding"]
        details = (vip["Phones"], vip["E-mails"], vip["Address"], vip["Budget"])
        if sees_vip:
            assert details == (
                "'+48 601 234 567",
                "boss@vip.example",
                "Warsaw, Marszałkowska 1",
                "5000",
            )
        else:
            assert details == ("", "", "", "")
        assert vip["Tier"] == "platinum"  # not sensitive
        assert vip["Confidential (VIP)"] == "yes"
    if "Alpha LLC" in rows:  # not confidential: details for everyone who sees it
        assert rows["Alpha LLC"]["Phones"] == "'+7 999 123-45-67"


@pytest.mark.parametrize("role", sorted(SCOPE))
def test_contact_scope_and_masking_for_every_role(staff, book, role):
    clients, sees_vip = SCOPE[role]
    rows = {r["Last name"]: r for r in table(getattr(staff, role), target="contacts")}
    expected = {"Иванов"} if "Alpha LLC" in clients else set()
    expected |= {"Kowalska"} if "Vip Holding" in clients else set()
    expected |= {"Brown"} if "Beta" in clients else set()
    assert set(rows) == expected
    if "Kowalska" in rows:
        anna = rows["Kowalska"]
        if sees_vip:
            assert (anna["Phones"], anna["E-mails"]) == ("'+48 601 000 001", "anna@vip.example")
        else:
            assert (anna["Phones"], anna["E-mails"]) == ("", "")
        assert anna["Client"] == "Vip Holding"


def test_export_of_another_managers_client_by_id_filter_gives_nothing(staff, book):
    assert table(staff.manager1, query=f"manager={staff.manager2.pk}") == []
    assert table(staff.manager1, target="contacts", query=f"client={book.beta.pk}") == []


# --- audit, jobs, queries ----------------------------------------------------------------


def test_every_export_is_audited(staff, book):
    export(staff.manager1, query="q=alpha", fmt="xlsx")
    entry = AuditLog.objects.get(event=AuditEvent.EXPORT)
    assert entry.actor == staff.manager1
    assert entry.details == {"target": "clients", "format": "xlsx", "filters": "q=alpha", "rows": 1}


def test_large_export_runs_in_the_background(staff, book, monkeypatch):
    monkeypatch.setattr(services, "DIRECT_LIMIT", 1)
    spec = services.export_spec(target="clients", fmt="csv", query="", delimiter="semicolon")
    outcome = services.export_start(actor=staff.manager1, spec=spec)
    assert outcome.file is None
    job = outcome.job
    assert (job.kind, job.status, job.params["delimiter"]) == ("export", JobStatus.PENDING, ";")
    assert not AuditLog.objects.filter(event=AuditEvent.EXPORT).exists()
    assert jobs.run_job(str(job.pk)) == JobStatus.DONE
    job = Job.objects.get(pk=job.pk)
    assert job.output_name.endswith(".csv")
    assert (job.result["rows"], job.total, job.processed) == (2, 2, 2)
    with job.output_file.open("rb") as fh:
        rows = as_dicts(read_csv(fh.read(), delimiter=";"))
    assert names(rows) == ["Alpha LLC", "Vip Holding"]
    entry = AuditLog.objects.get(event=AuditEvent.EXPORT)
    assert entry.details == {
        "target": "clients",
        "format": "csv",
        "filters": "",
        "rows": 2,
        "job": str(job.pk),
    }


def test_background_export_resumed_after_a_crash_writes_one_file_and_one_audit(staff, book):
    spec = services.export_spec(target="contacts", fmt="xlsx", query="")
    job = services.export_start(actor=staff.director, spec=spec, background=True).job
    jobs.run_job(str(job.pk))
    # A worker killed before it could mark the job done: re-queued and run again.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)
    assert jobs.run_job(str(job.pk)) == JobStatus.DONE
    job = Job.objects.get(pk=job.pk)
    with job.output_file.open("rb") as fh:
        assert len(read_xlsx(fh.read())) == 4  # header + 3 contact persons
    assert AuditLog.objects.filter(event=AuditEvent.EXPORT).count() == 1


def test_queries_do_not_grow_with_the_rows(staff, book):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            export(staff.director, fmt="xlsx")
            export(staff.director, target="contacts")
        return len(ctx.captured_queries)

    count()  # the first export also fills per-process caches (content types)
    before = count()
    for index in range(20):
        party_services.client_create(
            actor=staff.manager1,
            name=f"More {index}",
            phones=[{"value": f"+7 999 000-00-{index:02d}", "type": "work"}],
        )
        party_services.contact_create(
            actor=staff.manager1, last_name=f"Person {index}", roles=[{"client": book.alpha}]
        )
    assert count() == before


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"target": "deals", "fmt": "csv"}, "target"),
        ({"target": "clients", "fmt": "pdf"}, "format"),
        ({"target": "clients", "fmt": "vcf"}, "format"),
        ({"target": "clients", "fmt": "csv", "delimiter": "|"}, "delimiter"),
        ({"target": "contacts", "fmt": "vcf", "vcard_version": "2.1"}, "vcard_version"),
    ],
)
def test_bad_requests_name_the_field(kwargs, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.export_spec(**kwargs)
    assert field in exc.value.message_dict
