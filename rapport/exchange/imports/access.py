"""Visibility of import mapping templates: each user sees their own (registered with
rapport.core.access; imported at start-up through imports/jobs.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rapport.core import access
from rapport.core.models import User

from ..models import ImportTemplate


def _templates_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(owner=actor.pk)


access.register(ImportTemplate, visible=_templates_visible)
