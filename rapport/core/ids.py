"""Primary keys of business records: UUIDv7, time-ordered, generated in Python so they
travel unchanged to branches, exchange files and the API."""

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()
