import pytest

from rapport.core import jobs
from rapport.exchange.models import ImportTemplate
from rapport.parties.models import Client

from .conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff.manager1)
    return client


def test_whole_wizard(browser, staff):
    response = browser.post(
        "/imports/", {"file": upload("clients_ru_cp1251.csv"), "target": "clients"}
    )
    assert response.status_code == 302 and response["Location"] == "/imports/mapping/"
    page = browser.get("/imports/mapping/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "windows-1251" in html and "Наименование" in html
    form = page.context["form"]
    assert form["col-0"].value() == "name" and form["col-1"].value() == "tax_id"
    data = {
        "col-0": "name",
        "col-1": "tax_id",
        "col-2": "phones",
        "col-3": "notes",
        "match_on": "tax_id",
        "external_system": "import",
        "on_error": "skip",
        "template_name": "1C export",
    }
    response = browser.post("/imports/mapping/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert ImportTemplate.objects.get(owner=staff.manager1).mapping["инн"] == "tax_id"
    page = browser.get("/imports/preview/")
    rows = page.context["rows"]
    assert [r.action for r in rows] == ["create", "create"]
    assert ("Телефон", "+74957654321", "") in rows[0].cells
    assert not Client.objects.exists()
    response = browser.post("/imports/preview/")
    assert response.status_code == 302
    job_id = response["Location"].split("/")[-2]
    jobs.run_job(job_id)
    report = browser.get(response["Location"])
    assert report.status_code == 200
    assert report.context["job"].counts["created"] == 2
    assert 'data-count="created">2<' in report.content.decode()
    assert Client.objects.count() == 2


def test_preview_marks_problems_per_row_and_field(browser):
    browser.post("/imports/", {"file": upload("too_long.csv"), "target": "clients"})
    browser.post(
        "/imports/mapping/",
        {
            "col-0": "name",
            "col-1": "legal_form",
            "match_on": "none",
            "external_system": "import",
            "on_error": "skip",
        },
    )
    page = browser.get("/imports/preview/")
    rows = {r.number: r for r in page.context["rows"]}
    assert rows[2].action == "create"
    assert rows[3].action == "reject"
    assert "At most 300 characters" in dict((h, p) for h, _v, p in rows[3].cells)["Name"]
    assert "At most 64 characters" in dict((h, p) for h, _v, p in rows[4].cells)["Legal form"]
    assert 'data-testid="cell-problem"' in page.content.decode()


def test_bad_upload_answers_the_form_with_the_reason(browser):
    response = browser.post("/imports/", {"file": upload("not_really.xlsx"), "target": "clients"})
    assert response.status_code == 422
    assert "is not an XLSX workbook" in response.content.decode()


def test_mapping_errors_are_shown(browser):
    browser.post("/imports/", {"file": upload("clients_en.csv"), "target": "clients"})
    response = browser.post(
        "/imports/mapping/",
        {"col-0": "", "match_on": "none", "external_system": "import", "on_error": "skip"},
    )
    assert response.status_code == 422
    assert "No column fills" in response.content.decode()


def test_template_is_applied(browser, staff):
    ImportTemplate.objects.create(
        owner=staff.manager1,
        target="clients",
        name="T",
        mapping={"name": "notes", "tax id": "tax_id"},
        options={"match_on": "none"},
    )
    browser.post("/imports/", {"file": upload("clients_en.csv"), "target": "clients"})
    template = ImportTemplate.objects.get()
    form = browser.get(f"/imports/mapping/?template={template.pk}").context["form"]
    assert form["col-0"].value() == "notes" and form["match_on"].value() == "none"


def test_another_users_report_is_404(browser, staff, client):
    from rapport.exchange.imports import services

    job = services.import_start(actor=staff.manager2, file=upload("clients_en.csv"), name="c.csv")
    assert browser.get(f"/imports/{job.pk}/").status_code == 404


def test_steps_need_an_upload(browser):
    assert browser.get("/imports/mapping/")["Location"] == "/imports/"
    assert browser.get("/imports/preview/")["Location"] == "/imports/"
