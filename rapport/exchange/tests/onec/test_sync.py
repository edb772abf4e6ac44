"""The rules every channel applies incoming objects by: ownership, three-way merge,
idempotency, conflicts and rejections."""

from __future__ import annotations

import io

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from rapport.core.models import ExternalId
from rapport.exchange.models import (
    Conflict,
    Connection,
    ConnectionKind,
    FieldOwnership,
    Owner,
    Rejection,
)
from rapport.exchange.onec.sessions import session_finish, session_for_token, session_open
from rapport.exchange.onec.sync import ExchangeRun, Outcome, write_external_value
from rapport.exchange.onec.targets.parties import match_client
from rapport.exchange.onec.xml import XmlRefused, iter_elements, text
from rapport.parties.models import Client
from rapport.parties.services import client_update


@pytest.fixture
def connection(staff):
    return Connection.objects.create(
        kind=ConnectionKind.COMMERCEML,
        code="ut",
        name="УТ 11",
        run_as=staff.admin,
        default_manager=staff.manager1,
    )


@pytest.fixture
def run(connection, staff):
    session = session_open(connection=connection, channel="sale", user=staff.admin)
    return ExchangeRun.for_session(session)


ACME = {
    "kind": "company",
    "name": "Ромашка",
    "legal_name": "ООО «Ромашка»",
    "tax_id": "7707083893",
    "kpp": "773601001",
    "phones": [{"value": "+7 495 123-45-67", "type": "work"}],
    "emails": ["Info@Romashka.ru"],
}


def test_creates_links_and_gives_the_default_manager(run, staff):
    outcome, client = run.upsert(target="client", external_id="g-1", values=ACME, label="Ромашка")
    assert outcome == Outcome.CREATED
    assert client.manager == staff.manager1
    assert client.properties["kpp"] == "773601001"
    assert ExternalId.objects.get(system="1c:ut", value="g-1").object_id == str(client.pk)
    assert run.find(Client, "g-1") == client


def test_the_same_package_twice_changes_nothing(run):
    run.upsert(target="client", external_id="g-1", values=ACME)
    with CaptureQueriesContext(db_connection) as queries:
        outcome, _client = run.upsert(target="client", external_id="g-1", values=ACME)
    assert outcome == Outcome.UNCHANGED
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "DELETE")]
    writes += [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "sync" not in q["sql"]
    ]
    assert writes == []
    assert Client.objects.filter(tax_id="7707083893").count() == 1


def test_same_values_in_another_format_are_unchanged(run):
    run.upsert(target="client", external_id="g-1", values=ACME)
    reformatted = {**ACME, "phones": ["8 (495) 123 45 67"], "emails": ["info@romashka.ru"]}
    outcome, _ = run.upsert(target="client", external_id="g-1", values=reformatted)
    assert outcome == Outcome.UNCHANGED


def test_matches_an_existing_client_by_tax_id_without_a_duplicate(run, staff):
    existing = Client.objects.create(name="Romashka", tax_id="7707083893")
    outcome, client = run.upsert(
        target="client", external_id="g-2", values=ACME, match=match_client("7707083893")
    )
    assert client.pk == existing.pk
    assert outcome == Outcome.UPDATED
    assert Client.objects.count() == 1


def test_a_shared_field_changed_only_in_1c_is_taken(run):
    run.upsert(target="client", external_id="g-1", values=ACME)
    outcome, client = run.upsert(
        target="client", external_id="g-1", values={**ACME, "name": "Ромашка-2"}
    )
    assert outcome == Outcome.UPDATED
    assert client.name == "Ромашка-2"


def test_a_shared_field_changed_only_in_the_crm_is_kept(run, staff):
    _, client = run.upsert(target="client", external_id="g-1", values=ACME)
    client_update(actor=staff.admin, client=client, name="Ромашка (опт)")
    # 1C sends the old name again together with another change.
    _outcome, client = run.upsert(
        target="client", external_id="g-1", values={**ACME, "legal_name": "АО «Ромашка»"}
    )
    client.refresh_from_db()
    assert client.name == "Ромашка (опт)"
    assert client.legal_name == "АО «Ромашка»"
    assert not Conflict.objects.exists()


def test_both_sides_changed_a_shared_field_opens_one_conflict(run, staff, connection):
    _, client = run.upsert(target="client", external_id="g-1", values=ACME)
    client_update(actor=staff.admin, client=client, name="Ромашка (опт)")
    changed = {**ACME, "name": "Ромашка Трейд"}
    run.upsert(target="client", external_id="g-1", values=changed)
    run.upsert(target="client", external_id="g-1", values=changed)
    client.refresh_from_db()
    assert client.name == "Ромашка (опт)"
    conflict = Conflict.objects.get()
    assert (conflict.field, conflict.crm_value, conflict.external_value) == (
        "name",
        "Ромашка (опт)",
        "Ромашка Трейд",
    )
    write_external_value(connection=connection, actor=staff.admin, conflict=conflict)
    client.refresh_from_db()
    assert client.name == "Ромашка Трейд"


def test_a_field_the_crm_owns_is_never_overwritten(run, staff, connection):
    FieldOwnership.objects.create(
        connection=connection, target="client", field="name", owner=Owner.CRM
    )
    _, client = run.upsert(target="client", external_id="g-1", values=ACME)
    outcome, client = run.upsert(
        target="client", external_id="g-1", values={**ACME, "name": "Другое имя"}
    )
    assert outcome == Outcome.UNCHANGED
    assert client.name == "Ромашка"


def test_a_bad_object_is_rejected_in_plain_words_and_nothing_is_written(run, connection):
    outcome, obj = run.upsert(
        target="client",
        external_id="g-9",
        values={**ACME, "emails": ["not an address"]},
        label="Ромашка",
        file="orders.xml",
    )
    assert (outcome, obj) == (Outcome.REJECTED, None)
    rejection = Rejection.objects.get()
    assert "Ромашка" in rejection.reason and "emails" in rejection.reason
    assert rejection.file == "orders.xml"
    assert not Client.objects.exists()
    assert not ExternalId.objects.filter(value="g-9").exists()
    run.flush()
    run.session.refresh_from_db()
    assert run.session.counts["rejected"] == 1


def test_session_cookie_is_stored_hashed_and_expires_with_permission(connection, staff):
    session = session_open(connection=connection, channel="catalog", user=staff.manager1)
    assert session.token not in session.token_hash
    assert session_for_token(session.token) is None  # manager1 may not exchange
    staff.manager1.can_exchange = True
    staff.manager1.save()
    assert session_for_token(session.token) == session
    session_finish(session=session, ok=True)
    connection.refresh_from_db()
    assert connection.last_run_at is not None


def test_xml_refuses_entities_and_reads_cp1251_without_namespace():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>'
    )
    with pytest.raises(XmlRefused, match="DTD"):
        list(iter_elements(io.BytesIO(laughs), {"r"}))
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(XmlRefused):
        list(iter_elements(io.BytesIO(xxe), {"r"}))
    cp1251 = '<?xml version="1.0" encoding="windows-1251"?><К><Т><Ид>1</Ид></Т></К>'
    found = [text(e, "Ид") for e in iter_elements(io.BytesIO(cp1251.encode("cp1251")), {"Т"})]
    assert found == ["1"]
