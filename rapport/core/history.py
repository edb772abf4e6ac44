"""Saving business records so that django-simple-history records who made the change."""

from typing import Any

from django.db.models import Model


def mark_actor(record: Model, actor: Any) -> None:
    """The user whom the next history row of ``record`` names (services have no request)."""
    setattr(record, "_history_user", actor)  # noqa: B010  (simple-history's hook attribute)


def save_as(actor: Any, record: Model, **save_kwargs: Any) -> None:
    mark_actor(record, actor)
    record.save(**save_kwargs)


def delete_as(actor: Any, record: Model) -> None:
    mark_actor(record, actor)
    record.delete()
