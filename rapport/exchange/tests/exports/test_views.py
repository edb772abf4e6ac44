"""The "Export" menu of the list pages."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from rapport.core.models import Job
from rapport.exchange.exports import services

from .conftest import as_dicts, read_csv, read_xlsx


def post(client, target, fmt, query=""):
    return client.post(
        reverse("exports:list", kwargs={"target": target}), {"format": fmt, "query": query}
    )


def test_menu_exports_the_filtered_list(client, staff, book):
    client.force_login(staff.director)
    response = post(client, "clients", "csv-semicolon", f"status={book.active.pk}&cursor=x")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "clients-" in response["Content-Disposition"]
    rows = as_dicts(read_csv(response.content, delimiter=";"))
    assert [r["Name"] for r in rows] == ["Alpha LLC", "Gamma service"]
    xlsx = post(client, "contacts", "xlsx", "q=brown")
    assert [r["Last name"] for r in as_dicts(read_xlsx(xlsx.content))] == ["Brown"]
    vcf = post(client, "contacts", "vcf-4.0")
    assert b"VERSION:4.0" in vcf.content


def test_large_list_goes_to_a_job_page(client, staff, book, monkeypatch):
    monkeypatch.setattr(services, "DIRECT_LIMIT", 1)
    client.force_login(staff.manager1)
    response = post(client, "clients", "xlsx", "q=l")
    job = Job.objects.get(kind="export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", kwargs={"pk": job.pk})
    assert job.params["query"] == "q=l"


def test_bad_choice_goes_back_to_the_list_with_a_message(client, staff, book):
    client.force_login(staff.director)
    response = post(client, "clients", "vcf", "q=alpha")
    assert response.status_code == 302
    assert response["Location"] == reverse("parties:client_list") + "?q=alpha"


def test_anonymous_and_get_are_refused(client, staff, book):
    url = reverse("exports:list", kwargs={"target": "clients"})
    assert client.post(url, {"format": "csv"}).status_code == 302  # to the login page
    client.force_login(staff.director)
    assert client.get(url).status_code == 405


def test_menu_template(staff):
    request = RequestFactory().get("/")
    request.user = staff.manager1
    html = render_to_string(
        "exchange/exports/_export_menu.html",
        {"target": "contacts", "query": "q=a&b=1"},
        request=request,
    )
    assert reverse("exports:list", kwargs={"target": "contacts"}) in html
    assert 'value="q=a&amp;b=1"' in html
    assert 'value="vcf"' in html and "csrfmiddlewaretoken" in html
    clients = render_to_string(
        "exchange/exports/_export_menu.html", {"target": "clients", "query": ""}, request=request
    )
    assert 'value="vcf"' not in clients


def test_contact_vcard_button_template(staff, book):
    html = render_to_string("exchange/exports/_contact_vcard_button.html", {"contact": book.ivan})
    url = reverse("exports:contact_vcard", kwargs={"pk": book.ivan.pk})
    assert f'href="{url}"' in html and f'href="{url}?version=4.0"' in html
