"""``/api/v1/exports/``."""

from __future__ import annotations

import io

import pytest
import vobject
from django.urls import reverse

from rapport.core import jobs
from rapport.core.models import AuditEvent, AuditLog, Job

from .conftest import as_dicts, read_csv, read_xlsx

URL = "/api/v1/exports/"


def start(api, user, **body):
    response = api(user).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response


def finished(api, user, job_id):
    jobs.run_job(job_id)
    return api(user).get(f"{URL}{job_id}/")


def download(api, user, job_id):
    response = api(user).get(f"{URL}{job_id}/file/")
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def test_export_job_through_the_api(api, staff, book):
    response = start(
        api, staff.director, target="clients", format="csv", filters={"status": str(book.active.pk)}
    )
    job = response.json()
    assert job["status"] == "pending"
    assert job["file_url"] is None
    assert response["Location"] == reverse("api:export-detail", kwargs={"pk": job["id"]})
    done = finished(api, staff.director, job["id"]).json()
    assert (done["status"], done["progress"], done["result"]["rows"]) == ("done", 1.0, 2)
    assert done["file_url"].endswith(f"/api/v1/exports/{job['id']}/file/")
    file, content = download(api, staff.director, job["id"])
    assert file.status_code == 200
    assert [r["Name"] for r in as_dicts(read_csv(content))] == ["Alpha LLC", "Gamma service"]
    assert AuditLog.objects.get(event=AuditEvent.EXPORT).details["job"] == job["id"]


def test_api_filters_use_the_list_keys(api, staff, book):
    job = start(
        api,
        staff.director,
        target="clients",
        format="xlsx",
        filters={"confidential": True, "sort": "-created"},
    ).json()
    finished(api, staff.director, job["id"])
    _response, content = download(api, staff.director, job["id"])
    assert [r["Name"] for r in as_dicts(read_xlsx(content))] == ["Vip Holding"]


def test_api_vcard_and_semicolon_csv(api, staff, book):
    job = start(
        api, staff.manager1, target="contacts", format="vcf", vcard_version="4.0", filters={}
    ).json()
    finished(api, staff.manager1, job["id"])
    _response, content = download(api, staff.manager1, job["id"])
    parsed = list(vobject.readComponents(io.StringIO(content.decode("utf-8"))))
    assert sorted(c.n.value.family for c in parsed) == ["Kowalska", "Иванов"]
    job = start(api, staff.manager2, target="contacts", format="csv", delimiter=";").json()
    finished(api, staff.manager2, job["id"])
    _response, content = download(api, staff.manager2, job["id"])
    assert [r["Last name"] for r in as_dicts(read_csv(content, ";"))] == ["Brown"]


def test_scope_through_the_api(api, staff, book):
    job = start(api, staff.manager2, target="clients", format="csv").json()
    finished(api, staff.manager2, job["id"])
    _response, content = download(api, staff.manager2, job["id"])
    assert [r["Name"] for r in as_dicts(read_csv(content))] == ["Beta"]


def test_anonymous_is_401(api, staff, book):
    assert api().post(URL, {"target": "clients", "format": "csv"}, format="json").status_code == 401
    job = start(api, staff.manager1, target="clients", format="csv").json()
    assert api().get(f"{URL}{job['id']}/").status_code == 401
    assert api().get(f"{URL}{job['id']}/file/").status_code == 401


def test_other_users_export_is_404_but_admin_sees_it(api, staff, book):
    job = start(api, staff.manager1, target="clients", format="csv").json()
    jobs.run_job(job["id"])
    for other in (staff.manager2, staff.director, staff.head):
        assert api(other).get(f"{URL}{job['id']}/").status_code == 404
        response = api(other).get(f"{URL}{job['id']}/file/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert api(staff.admin).get(f"{URL}{job['id']}/file/").status_code == 200


def test_file_before_the_job_is_done_is_404(api, staff, book):
    job = start(api, staff.manager1, target="clients", format="csv").json()
    assert api(staff.manager1).get(f"{URL}{job['id']}/file/").status_code == 404


def test_other_kinds_of_jobs_are_not_exports(api, staff):
    other = jobs.job_start(actor=staff.manager1, kind="undo", params={"job": "x"})
    assert api(staff.manager1).get(f"{URL}{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"target": "deals", "format": "csv"}, "target"),
        ({"target": "clients", "format": "pdf"}, "format"),
        ({"target": "clients", "format": "vcf"}, "format"),
        ({"target": "clients", "format": "csv", "delimiter": "|"}, "delimiter"),
    ],
)
def test_bad_requests_are_problem_details(api, staff, body, field):
    response = api(staff.manager1).post(URL, body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["fields"]
    assert not Job.objects.exists()
