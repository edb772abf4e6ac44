"""What can be rendered into documents: apps above documents (sales, billing) register
their record types ("targets") here from their AppConfig.ready.

    register_target(
        "sales.deal",
        label=_("Deal"),
        model=Deal,
        build_context=build_deal_context,   # (actor, record) -> dict
        sample_context=sample_deal_context,  # () -> dict, to test templates
        placeholders=[("client.name", _("Client's name")), ...],
    )

``build_context`` must respect what the actor may see (VIP masking); the record passed to
it has already been checked to be visible to the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise

ContextBuilder = Callable[[Any, Any], dict[str, Any]]
SampleBuilder = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Target:
    key: str
    label: str | Promise
    model: type[Model]
    build_context: ContextBuilder
    sample_context: SampleBuilder
    placeholders: list[tuple[str, str | Promise]] = field(default_factory=list)
    # The record's number for the file name (optional, e.g. lambda deal: deal.number).
    record_title: Callable[[Any], str] | None = None


_targets: dict[str, Target] = {}


class UnknownTarget(LookupError):
    """No app registered this target key."""


def register_target(
    key: str,
    *,
    label: str | Promise,
    model: type[Model],
    build_context: ContextBuilder,
    sample_context: SampleBuilder,
    placeholders: list[tuple[str, str | Promise]],
    record_title: Callable[[Any], str] | None = None,
) -> Target:
    target = Target(
        key=key,
        label=label,
        model=model,
        build_context=build_context,
        sample_context=sample_context,
        placeholders=list(placeholders),
        record_title=record_title,
    )
    _targets[key] = target
    return target


def unregister_target(key: str) -> None:
    _targets.pop(key, None)


def get_target(key: str) -> Target:
    try:
        return _targets[key]
    except KeyError as exc:
        raise UnknownTarget(key) from exc


def targets() -> list[Target]:
    return sorted(_targets.values(), key=lambda t: str(t.label))


def target_for_model(model: type[Model]) -> Target | None:
    for target in _targets.values():
        if target.model is model:
            return target
    return None
