"""The billing API: scope (404 outside), read-only refusal, nested lines, actions,
problem details, decimals as strings, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.billing import services
from rapport.billing.models import Invoice, InvoiceStatus, Payment

from .conftest import TODAY, issue

pytestmark = pytest.mark.django_db

# role -> sees the invoice of manager1's client (Sales)?
SEES = {
    "admin": True,
    "director": True,
    "head": True,
    "manager1": True,
    "manager2": False,
    "manager3": False,
    "viewer": True,
    "viewer_sales": True,
}
WRITES = {"admin", "director", "head", "manager1"}


@pytest.fixture
def records(world):
    invoice = issue(world.staff.manager1, world.client1, total="100.00")
    payment = services.payment_record(
        actor=world.staff.manager1,
        client=world.client1,
        amount="30.00",
        allocations=[{"invoice": invoice, "amount": "30.00"}],
    )
    draft = issue(world.staff.manager1, world.client1, send=False)
    return invoice, payment, draft


@pytest.mark.parametrize("role", sorted(SEES))
def test_read_matrix(world, records, api, role):
    invoice, payment, _draft = records
    client = api(getattr(world.staff, role))
    seen = SEES[role]
    listed = client.get("/api/v1/invoices/").json()["results"]
    assert (str(invoice.pk) in [r["id"] for r in listed]) is seen
    assert client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == (200 if seen else 404)
    assert client.get(f"/api/v1/payments/{payment.pk}/").status_code == (200 if seen else 404)
    payments = client.get("/api/v1/payments/").json()["results"]
    assert (str(payment.pk) in [r["id"] for r in payments]) is seen
    receivables = client.get("/api/v1/receivables/").json()["results"]
    assert bool(receivables) is seen


@pytest.mark.parametrize("role", sorted(SEES))
def test_write_matrix(world, records, api, role):
    _invoice, payment, draft = records
    client = api(getattr(world.staff, role))
    sent = client.post(f"/api/v1/invoices/{draft.pk}/send/")
    deleted = client.delete(f"/api/v1/payments/{payment.pk}/")
    created = client.post(
        "/api/v1/invoices/",
        {"client": str(world.client1.pk), "lines": [{"description": "x", "price": "1"}]},
    )
    if role in WRITES:
        assert sent.status_code == 200 and sent.json()["status"] == "sent"
        assert deleted.status_code == 204
        assert created.status_code == 201
    elif SEES[role]:
        assert (sent.status_code, deleted.status_code, created.status_code) == (403, 403, 403)
        draft.refresh_from_db()
        assert draft.status == InvoiceStatus.DRAFT
    else:
        assert (sent.status_code, deleted.status_code) == (404, 404)
        assert created.status_code == 400
        assert created.json()["fields"] == ["client"]
    assert Payment.objects.alive().filter(pk=payment.pk).exists() is (role not in WRITES)


def test_create_with_lines_update_send_pay(world, api):
    client = api(world.staff.manager1)
    created = client.post(
        "/api/v1/invoices/",
        {
            "client": str(world.client1.pk),
            "date": "2025-03-15",
            "due_date": "2025-03-25",
            "lines": [
                {"description": "Work", "quantity": "2", "price": "10.005", "vat_rate": "20"},
                {"description": "More", "price": "5"},
            ],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["number"] == ""
    assert body["total"] == "25.01" and body["vat_total"] == "3.34"
    assert [line["amount"] for line in body["lines"]] == ["20.01", "5.00"]
    pk = body["id"]
    only = {"lines": [{"description": "Only", "price": "7"}]}
    changed = client.patch(f"/api/v1/invoices/{pk}/", only)
    assert changed.status_code == 200 and changed.json()["total"] == "7.00"
    sent = client.post(f"/api/v1/invoices/{pk}/send/").json()
    assert sent["number"] == "INV-2025-0001" and sent["status"] == "sent"
    refused = client.patch(f"/api/v1/invoices/{pk}/", {"lines": []})
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["fields"] == ["status"]
    paid = client.post(
        "/api/v1/payments/",
        {"client": str(world.client1.pk), "amount": "3.00", "allocations": [{"invoice": pk}]},
    )
    assert paid.status_code == 201
    assert paid.json()["allocations"][0]["amount"] == "3.00"
    detail = client.get(f"/api/v1/invoices/{pk}/").json()
    assert (detail["status"], detail["paid_amount"], detail["outstanding"]) == (
        "partly_paid",
        "3.00",
        "4.00",
    )
    over = client.post(
        "/api/v1/payments/",
        {
            "client": str(world.client1.pk),
            "amount": "9.00",
            "allocations": [{"invoice": pk, "amount": "9.00"}],
        },
    )
    assert over.status_code == 400 and over.json()["fields"] == ["allocations"]
    cancel = client.post(f"/api/v1/invoices/{pk}/cancel/")
    assert cancel.status_code == 400 and "allocated" in cancel.json()["errors"][0]["message"]
    overdue = client.get("/api/v1/invoices/", {"overdue": "true"}).json()["results"]
    assert [r["id"] for r in overdue] == [pk]  # due 2025-03-25, long past


def test_bad_line_names_the_line(world, api):
    response = api(world.staff.manager1).post(
        "/api/v1/invoices/",
        {"client": str(world.client1.pk), "lines": [{"description": "a", "quantity": "-1"}]},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Line 1:")
    assert not Invoice.objects.exists()


def test_filters_and_receivables(world, records, api):
    _invoice, _payment, draft = records
    client = api(world.staff.director)
    by_status = client.get("/api/v1/invoices/", {"status": "draft"}).json()["results"]
    assert [r["id"] for r in by_status] == [str(draft.pk)]
    by_client = client.get("/api/v1/invoices/", {"client": str(world.client3.pk)}).json()
    assert by_client["results"] == []
    data = client.get("/api/v1/receivables/", {"date": "2025-04-30"}).json()
    assert data["date"] == "2025-04-30"
    (row,) = data["results"]
    # due 2025-03-25, 70.00 still owed, 36 days overdue on 2025-04-30
    assert (row["outstanding"], row["d31_60"], row["not_due"]) == ("70.00", "70.00", "0.00")


def test_list_query_count_is_constant(world, api, django_assert_max_num_queries):
    m1 = world.staff.manager1
    for n in range(12):
        inv = issue(m1, world.client1, total=str(10 + n), date=TODAY - dt.timedelta(days=n))
        services.payment_record(
            actor=m1, client=world.client1, amount="1", allocations=[{"invoice": inv}]
        )
    client = api(m1)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/invoices/").json()["results"]) == 12
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/payments/").json()["results"]) == 12


def test_schema_is_valid(world, api):
    response = api(world.staff.admin).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/receivables/" in response.content
