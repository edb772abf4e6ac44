"""vCard export of contact persons, parsed back with vobject."""

from __future__ import annotations

import pytest
import vobject
from django.urls import reverse

from rapport.core.models import AuditEvent, AuditLog
from rapport.exchange.exports import services


def cards(actor, query="", version="3.0"):
    spec = services.export_spec(
        target="contacts", fmt="vcf", query=query, vcard_version=version, language="en"
    )
    file = services.export_start(actor=actor, spec=spec, background=False).file
    assert file.content_type.startswith("text/vcard")
    return {c.n.value.family: c for c in vobject.readComponents(file.content.decode("utf-8"))}


def test_cards_parse_back_with_every_field(staff, book):
    parsed = cards(staff.manager1)
    assert set(parsed) == {"Иванов", "Kowalska"}
    ivan = parsed["Иванов"]
    assert ivan.version.value == "3.0"
    assert ivan.fn.value == "Иванов Иван Петрович"
    assert (ivan.n.value.given, ivan.n.value.additional) == ("Иван", "Петрович")
    assert ivan.org.value == ["Alpha LLC"]
    assert ivan.title.value == "Director"
    assert ivan.tel.value == "+7 916 000-00-01"
    assert ivan.tel.params["TYPE"] == ["CELL"]
    assert ivan.email.value == "ivan@alpha.example"
    assert "INTERNET" in ivan.email.params["TYPE"]
    assert ivan.bday.value == "1980-05-17"
    assert ivan.note.value == "Likes tea; calls after 10"
    assert ivan.uid.value == f"urn:uuid:{book.ivan.pk}"


def test_vcard_4(staff, book):
    parsed = cards(staff.manager1, version="4.0")
    assert {c.version.value for c in parsed.values()} == {"4.0"}


@pytest.mark.parametrize(
    "role,sees",
    [("manager1", True), ("director", True), ("head", False), ("viewer", False)],
)
def test_vip_masking_in_cards(staff, book, role, sees):
    anna = cards(getattr(staff, role))["Kowalska"]
    assert ("tel" in anna.contents, "email" in anna.contents) == (sees, sees)
    assert anna.org.value == ["Vip Holding"]


def test_filtered_list_and_scope(staff, book):
    assert set(cards(staff.manager2)) == {"Brown"}
    assert set(cards(staff.director, query="q=иван")) == {"Иванов"}


def test_one_contacts_card_from_the_card_page(client, staff, book):
    client.force_login(staff.manager1)
    response = client.get(reverse("exports:contact_vcard", kwargs={"pk": book.ivan.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vcard")
    assert "attachment" in response["Content-Disposition"]
    (card,) = vobject.readComponents(response.content.decode("utf-8"))
    assert card.fn.value == "Иванов Иван Петрович"
    assert AuditLog.objects.filter(event=AuditEvent.EXPORT, details__target="contact").exists()
    version4 = client.get(
        reverse("exports:contact_vcard", kwargs={"pk": book.ivan.pk}) + "?version=4.0"
    )
    assert vobject.readOne(version4.content.decode("utf-8")).version.value == "4.0"


def test_one_card_outside_the_scope_is_404(client, staff, book):
    client.force_login(staff.manager2)
    response = client.get(reverse("exports:contact_vcard", kwargs={"pk": book.ivan.pk}))
    assert response.status_code == 404
    assert not AuditLog.objects.filter(event=AuditEvent.EXPORT).exists()


def test_one_card_of_a_vip_contact_is_masked(client, staff, book):
    client.force_login(staff.head)
    response = client.get(reverse("exports:contact_vcard", kwargs={"pk": book.secret.pk}))
    card = vobject.readOne(response.content.decode("utf-8"))
    assert "tel" not in card.contents and "email" not in card.contents
