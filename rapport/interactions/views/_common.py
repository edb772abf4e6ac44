"""Helpers of the interaction pages: keyset pages (newest first), error display."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.core import keyset
from rapport.core.keyset import Page
from rapport.core.views import apply_errors  # noqa: F401  (re-exported to the views)

PAGE_SIZE = 50


def keyset_page(qs: QuerySet[Any], *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page ordered by (date, id) descending after ``cursor``: no OFFSET, no COUNT."""
    return keyset.keyset_page(qs, field="date", cursor=cursor, size=size)


def require_writer(user: Any) -> None:
    if not user.can_write:
        raise PermissionDenied(_("Your role is read-only."))


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None
