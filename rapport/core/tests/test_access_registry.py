import pytest
from django.apps import apps

from rapport.core import access
from rapport.core.models import User


def owned_models():
    """Business models that belong to someone (have a manager or owner); history copies
    are read only through their record."""
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("rapport.")
        and not m.__name__.startswith("Historical")
        and any(f.name in {"manager", "owner"} for f in m._meta.concrete_fields)
    ]


def test_every_owned_model_has_a_visibility_rule():
    missing = [m._meta.label for m in owned_models() if not access.has_rule(m)]
    assert owned_models(), "expected at least the client model"
    assert missing == []


@pytest.mark.django_db
def test_visible_to_fails_closed_for_models_without_rule(staff):
    with pytest.raises(access.NoAccessRule):
        access.visible_to(staff.admin, User)
