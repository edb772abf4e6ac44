import json

import pytest
from django.core.management import CommandError, call_command

from rapport.core import jobs
from rapport.parties.models import Client
from rapport.parties.tests.factories import ClientFactory

from .conftest import FILES, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def start(client, name, **data):
    return client.post("/api/v1/imports/", {"file": upload(name), **data}, format="multipart")


def test_api_start_follow_undo(staff, api):
    client = api(staff.manager1)
    response = start(client, "too_long.csv", mapping=json.dumps({"Name": "name"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["counts"]["created"] == 0
    assert response["Location"] == f"/api/v1/imports/{body['id']}/"
    jobs.run_job(body["id"])
    report = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert report["status"] == "done" and report["progress"] == 1.0
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report["errors"] == [
        {"row": 3, "field": "Name", "message": "At most 300 characters (this value has 301)."}
    ]
    assert report["errors_total"] == 1
    assert Client.objects.count() == 2
    undo = client.post(f"/api/v1/imports/{body['id']}/undo/")
    assert undo.status_code == 202
    jobs.run_job(undo.json()["id"])
    report = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert report["status"] == "done" and report["undone"] is True
    assert Client.objects.filter(deleted_at__isnull=True).count() == 0


def test_api_bad_file_is_a_problem_document(staff, api):
    response = start(api(staff.manager1), "not_really.xlsx")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["fields"] == ["file"]
    assert "not an XLSX workbook" in response.json()["errors"][0]["message"]


def test_api_bad_mapping_and_match_rule(staff, api):
    client = api(staff.manager1)
    response = start(client, "clients_en.csv", mapping=json.dumps({"Name": "nope"}))
    assert response.status_code == 400 and response.json()["fields"] == ["mapping"]
    response = start(client, "clients_en.csv", match_on="phone", mapping='{"Name": "name"}')
    assert response.status_code == 400 and response.json()["fields"] == ["match_on"]


def test_api_dry_run(staff, api):
    client = api(staff.manager1)
    body = start(client, "clients_en.csv", dry_run="true").json()
    jobs.run_job(body["id"])
    report = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert report["dry_run"] is True and report["counts"]["created"] == 3
    assert not Client.objects.exists()


def test_api_other_users_import_is_404(staff, api):
    body = start(api(staff.manager1), "clients_en.csv").json()
    assert api(staff.manager2).get(f"/api/v1/imports/{body['id']}/").status_code == 404
    assert api(staff.manager2).post(f"/api/v1/imports/{body['id']}/undo/").status_code == 404
    assert api().get(f"/api/v1/imports/{body['id']}/").status_code == 401


def test_api_readonly_forbidden(staff, api):
    assert start(api(staff.viewer), "clients_en.csv").status_code == 403


def test_command_imports_with_progress(staff, capsys):
    ClientFactory(name="Acme Ltd", tax_id="7707083893", manager=staff.manager1)
    call_command("import_clients", str(FILES / "clients_en.csv"), "--user", "manager1")
    out = capsys.readouterr()
    assert "done; created 2, updated 1, unchanged 0, rejected 0" in out.out
    assert "row 5" in out.err
    assert Client.objects.count() == 3


def test_command_mapping_dry_run_and_refusals(staff, capsys):
    call_command(
        "import_clients",
        str(FILES / "clients_en.csv"),
        "--user",
        "manager1",
        "--dry-run",
        "--mapping",
        json.dumps({"Name": "name"}),
        "--match-on",
        "none",
    )
    assert "created 3" in capsys.readouterr().out
    assert not Client.objects.exists()
    with pytest.raises(CommandError, match="not an XLSX"):
        call_command("import_clients", str(FILES / "not_really.xlsx"), "--user", "manager1")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_clients",
            str(FILES / "extra_columns.csv"),
            "--user",
            "manager1",
            "--on-error",
            "stop",
        )
