"""vCard export of contact persons (vobject): vCard 3.0 by default (what Outlook and phones
read), 4.0 on request. UTF-8, one card per contact person, many cards in one .vcf.

Phones and e-mails are left out of the cards of contact persons whose details the actor may
not see (a linked confidential client); ``contact_details`` in rows.py decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import vobject

from rapport.core.models import User
from rapport.parties.models import ChannelKind, ContactPerson

from .rows import ExportSource, chunks, contact_details, main_role

VERSIONS = ("3.0", "4.0")
DEFAULT_VERSION = "3.0"

# Our contact-point types as vCard TYPE parameters.
_TEL_TYPES = {"work": "WORK", "mobile": "CELL", "home": "HOME", "other": "VOICE"}
_EMAIL_TYPES = {"work": "WORK", "home": "HOME"}


def contact_card(
    contact: ContactPerson, points: dict[str, list[dict[str, str]]], *, version: str
) -> str:
    """One contact person as a vCard; ``contact`` carries ``visible_roles`` (rows.py)."""
    card = vobject.vCard()
    card.add("version").value = version if version in VERSIONS else DEFAULT_VERSION
    card.add("uid").value = f"urn:uuid:{contact.pk}"
    card.add("fn").value = contact.full_name or contact.last_name or "-"
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name, given=contact.first_name, additional=contact.middle_name
    )
    role = main_role(contact)
    if role is not None:
        card.add("org").value = [role.client.name]
        if role.position:
            card.add("title").value = role.position
    for point in points.get(ChannelKind.PHONE, []):
        tel = card.add("tel")
        tel.value = point["value"]
        tel.type_param = _TEL_TYPES.get(point["type"], "VOICE")
    for point in points.get(ChannelKind.EMAIL, []):
        email = card.add("email")
        email.value = point["value"]
        kinds = ["INTERNET"] if version == "3.0" else []
        if point["type"] in _EMAIL_TYPES:
            kinds.append(_EMAIL_TYPES[point["type"]])
        if kinds:
            email.type_paramlist = kinds
    if contact.birthday:
        card.add("bday").value = contact.birthday.isoformat()
    if contact.notes:
        card.add("note").value = contact.notes
    return card.serialize()


def vcards(source: ExportSource, *, actor: User, version: str) -> Iterator[tuple[int, str]]:
    """(number of cards, text) per chunk of the filtered contact persons."""
    for batch in chunks(source.queryset):
        points = contact_details(batch, actor=actor)
        yield (
            len(batch),
            "".join(contact_card(c, points.get(c.pk, {}), version=version) for c in batch),
        )


def write_vcards(
    stream: IO[bytes], source: ExportSource, *, actor: User, version: str, progress: Any = None
) -> int:
    count = 0
    for n, text in vcards(source, actor=actor, version=version):
        stream.write(text.encode("utf-8"))
        count += n
        if progress is not None:
            progress(n)
    return count


def single_card(contact: ContactPerson, *, actor: User, version: str) -> str:
    points = contact_details([contact], actor=actor)
    return contact_card(contact, points.get(contact.pk, {}), version=version)
