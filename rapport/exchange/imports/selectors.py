"""Reads of imports, scoped to the actor: import jobs, their problems, mapping templates."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from rapport.core import access
from rapport.core import selectors as core_selectors
from rapport.core.models import Job, JobError, User

from ..models import ImportTemplate

ERRORS_SHOWN = 1000


def import_list(*, actor: User) -> QuerySet[Job]:
    return core_selectors.jobs_for(actor=actor, kind="import")


def import_get(*, actor: User, pk: Any) -> Job:
    """An import job the actor may see (its author, or an administrator); 404 otherwise."""
    return core_selectors.job_get(actor=actor, pk=pk, kind="import")


def import_errors(*, job: Job, limit: int = ERRORS_SHOWN) -> tuple[list[JobError], int]:
    """The first ``limit`` problems of an import and how many there are in all."""
    errors = core_selectors.job_errors(job=job)
    return list(errors[:limit]), int(job.counts.get("errors", 0))


def import_templates(*, actor: User, target: str = "") -> QuerySet[ImportTemplate]:
    templates = access.visible_to(actor, ImportTemplate)
    return templates.filter(target=target) if target else templates


def import_template_get(*, actor: User, pk: Any) -> ImportTemplate | None:
    if not pk:
        return None
    try:
        return access.visible_to(actor, ImportTemplate).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None
