"""Primary keys of business records: UUIDv7, time-ordered, generated in Python so they
travel unchanged to branches, exchange files and the API."""

import uuid

import uuid_utils
from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()


def new_id_hex() -> str:
    """A new id as 32 hex digits, for bulk writers that send text to the database (an
    import makes millions: building a ``uuid.UUID`` for each is measurable)."""
    return uuid_utils.uuid7().hex


def canonical(hex_id: str) -> str:
    """``str(uuid.UUID(hex_id))`` without building the UUID."""
    h = hex_id
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
