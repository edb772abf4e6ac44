"""A small client base for export tests: clients of three managers, a confidential one,
contact persons, a sensitive property."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from rapport.core.models import PropertyDefinition
from rapport.parties import services as party_services
from rapport.parties.models import RelationshipStatus, Tag


def read_csv(content: bytes, delimiter: str = ",") -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(
        csv.reader(io.StringIO(content[3:].decode("utf-8"), newline=""), delimiter=delimiter)
    )


def read_xlsx(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def as_dicts(table: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def book(staff):
    lead = RelationshipStatus.objects.get(code="lead")
    active = RelationshipStatus.objects.get(code="active")
    vip_tag = Tag.objects.create(name="Key account")
    PropertyDefinition.objects.create(
        target="client", code="tier", label="Tier", type="text", position=1
    )
    PropertyDefinition.objects.create(
        target="client",
        code="salary",
        label="Budget",
        type="number",
        is_sensitive=True,
        position=2,
    )
    create = party_services.client_create
    alpha = create(
        actor=staff.manager1,
        name="Alpha LLC",
        tax_id="7707083893",
        status=active,
        tags=[vip_tag],
        phones=[{"value": "+7 999 123-45-67", "type": "work"}],
        emails=[{"value": "info@alpha.example", "type": "work"}],
        notes='=HYPERLINK("http://evil")',
        properties={"tier": "gold", "salary": 100},
    )
    vip = create(
        actor=staff.manager1,
        name="Vip Holding",
        status=lead,
        is_confidential=True,
        phones=[{"value": "+48 601 234 567", "type": "mobile"}],
        emails=[{"value": "boss@vip.example", "type": "work"}],
        addresses=[{"type": "legal", "city": "Warsaw", "street": "Marszałkowska 1"}],
        properties={"tier": "platinum", "salary": 5000},
    )
    beta = create(
        actor=staff.manager2,
        name="Beta",
        status=lead,
        emails=[{"value": "beta@beta.example", "type": "work"}],
    )
    gamma = create(actor=staff.manager3, name="Gamma service", status=active)
    ivan = party_services.contact_create(
        actor=staff.manager1,
        last_name="Иванов",
        first_name="Иван",
        middle_name="Петрович",
        birthday="1980-05-17",
        notes="Likes tea; calls after 10",
        roles=[{"client": alpha, "position": "Director", "role": ""}],
        phones=[{"value": "+7 916 000-00-01", "type": "mobile"}],
        emails=[{"value": "ivan@alpha.example", "type": "work"}],
    )
    secret = party_services.contact_create(
        actor=staff.manager1,
        last_name="Kowalska",
        first_name="Anna",
        roles=[{"client": vip, "position": "CEO", "role": ""}],
        phones=[{"value": "+48 601 000 001", "type": "work"}],
        emails=[{"value": "anna@vip.example", "type": "work"}],
    )
    bob = party_services.contact_create(
        actor=staff.manager2,
        last_name="Brown",
        first_name="Bob",
        roles=[{"client": beta, "position": "Buyer", "role": ""}],
        emails=[{"value": "bob@beta.example", "type": "work"}],
    )
    return SimpleNamespace(
        alpha=alpha,
        vip=vip,
        beta=beta,
        gamma=gamma,
        ivan=ivan,
        secret=secret,
        bob=bob,
        active=active,
        lead=lead,
        tag=vip_tag,
    )
