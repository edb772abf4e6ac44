"""The single place that decides who sees which record.

Each app registers one visibility rule per model from its own ``access.py``.
``visible_to`` answers the rows a user may see and fails closed for a model that has no
rule; ``get_visible_or_404`` answers the same 404 for "missing" and "forbidden".
Every selector, API queryset, HTMX fragment, export, search and background job starts
here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import User

M = TypeVar("M", bound=Model)
VisibilityRule = Callable[["User", QuerySet[Any]], QuerySet[Any]]
EditRule = Callable[["User", Any], bool]


class NoAccessRule(LookupError):
    """A model was queried through the access layer without a registered rule."""


_visibility: dict[type[Model], VisibilityRule] = {}
_edit: dict[type[Model], EditRule] = {}


def register(model: type[M], *, visible: VisibilityRule, editable: EditRule | None = None) -> None:
    _visibility[model] = visible
    if editable is not None:
        _edit[model] = editable


def has_rule(model: type[Model]) -> bool:
    return model in _visibility


def registered_models() -> Iterable[type[Model]]:
    return tuple(_visibility)


def visible_to(
    actor: User | None,
    model: type[M],
    *,
    queryset: QuerySet[M] | None = None,
    include_trashed: bool = False,
) -> QuerySet[M]:
    """Rows of ``model`` that ``actor`` may see (fails closed)."""
    rule = _visibility.get(model)
    if rule is None:
        raise NoAccessRule(f"No access rule registered for {model._meta.label}")
    qs = queryset if queryset is not None else model._default_manager.all()
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if not include_trashed and _has_trash(model):
        qs = qs.filter(deleted_at__isnull=True)
    return rule(actor, qs)


def get_visible_or_404(
    actor: User | None,
    model: type[M],
    pk: Any,
    *,
    queryset: QuerySet[M] | None = None,
    include_trashed: bool = False,
) -> M:
    """The record if ``actor`` may see it; a 404 whether it is missing or forbidden."""
    try:
        return visible_to(actor, model, queryset=queryset, include_trashed=include_trashed).get(
            pk=pk
        )
    except (model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404(f"{model._meta.verbose_name} not found") from exc
    except Exception as exc:  # an invalid UUID string raises ValidationError
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise Http404(f"{model._meta.verbose_name} not found") from exc
        raise


def can_edit(actor: User | None, record: Model) -> bool:
    """Whether ``actor`` may change ``record`` (which it must be able to see)."""
    if actor is None or not actor.is_authenticated or not actor.can_write:
        return False
    rule = _edit.get(type(record))
    if rule is not None:
        return rule(actor, record)
    return visible_to(actor, type(record)).filter(pk=record.pk).exists()


def require_writer(actor: User) -> None:
    """Refuses read-only users before any write (the same message in every app)."""
    if not actor.can_write:
        raise PermissionDenied(_("Your role is read-only."))


def can_purge(actor: User | None) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_administrator)


def department_subtree_ids(department_id: Any) -> list[Any]:
    """Ids of a department and all departments below it."""
    from .models import Department

    if department_id is None:
        return []
    children: dict[Any, list[Any]] = {}
    for dep_id, parent_id in Department.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(dep_id)
    result, stack = [], [department_id]
    while stack:
        current = stack.pop()
        result.append(current)
        stack.extend(children.get(current, ()))
    return result


def owner_scope(
    actor: User,
    *,
    manager_field: str,
    department_field: str,
    shared: Q | None = None,
) -> Q | None:
    """The standard rule for owned records as a Q; ``None`` means "everything".

    Administrators and directors see everything; heads see their department's tree;
    managers see their own records and those shared with them; read-only users see
    what their grant says.
    """
    from .models import ReadScope, Role

    if actor.sees_everything:
        return None
    own = Q(**{manager_field: actor.pk})
    if shared is not None:
        own |= shared
    if actor.role == Role.HEAD:
        return own | Q(**{f"{department_field}__in": department_subtree_ids(actor.department_id)})
    if actor.role == Role.READ_ONLY:
        if actor.read_scope == ReadScope.ALL:
            return None
        return Q(**{f"{department_field}__in": department_subtree_ids(actor.department_id)})
    return own


def _has_trash(model: type[Model]) -> bool:
    return any(f.name == "deleted_at" for f in model._meta.concrete_fields)
