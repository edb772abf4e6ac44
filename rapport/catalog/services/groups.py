"""Writes of the product group tree: create, change (never under itself), delete if empty."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.models import User

from ..models import (
    Product,
    ProductGroup,
)
from ._common import (
    _raise,
    _require_manager,
    _required,
    _text,
)


def _descendant_ids(group_id: Any) -> set[Any]:
    children: dict[Any, list[Any]] = {}
    for pk, parent_id in ProductGroup.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[Any] = set()
    stack = [group_id]
    while stack:
        current = stack.pop()
        for child in children.get(current, ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@transaction.atomic
def product_group_save(
    *,
    actor: User,
    group: ProductGroup | None = None,
    name: str,
    parent: ProductGroup | None = None,
    position: int = 0,
) -> ProductGroup:
    """Create (``group`` None) or change a group; a group cannot move under itself or
    one of its subgroups."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_name = _text(name, "name", errors, max_length=200)
    _required(clean_name, "name", errors)
    if (
        group is not None
        and parent is not None
        and (parent.pk == group.pk or parent.pk in _descendant_ids(group.pk))
    ):
        errors.setdefault("parent", []).append(
            _("A group cannot be placed inside itself or one of its subgroups.")
        )
    if position is None or int(position) < 0:
        errors.setdefault("position", []).append(_("Must not be negative."))
    siblings = ProductGroup.objects.filter(parent=parent, name=clean_name)
    if group is not None:
        siblings = siblings.exclude(pk=group.pk)
    if clean_name and siblings.exists():
        errors.setdefault("name", []).append(
            _("This parent group already has a subgroup “%(name)s”.") % {"name": clean_name}
        )
    _raise(errors)
    group = group or ProductGroup()
    group.name, group.parent, group.position = clean_name, parent, int(position or 0)
    group.save()
    return group


@transaction.atomic
def product_group_delete(*, actor: User, group: ProductGroup) -> None:
    """Delete an empty group; a group with subgroups or products (trashed ones count:
    they may be restored) is refused with a message saying what it holds."""
    _require_manager(actor)
    products = Product.objects.filter(group=group).count()
    children = group.children.count()
    if products or children:
        raise ValidationError(
            _(
                "The group “%(name)s” is not empty: it holds %(products)d product(s) and "
                "%(children)d subgroup(s). Move or delete them first."
            )
            % {"name": group.name, "products": products, "children": children}
        )
    group.delete()
