"""``{% record_documents record target as panel %}``: what the documents panel of a record
card shows (used by documents/_record_documents.html)."""

from __future__ import annotations

from typing import Any

from django import template

from rapport.core import access

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def record_documents(context: Any, record: Any, target: str) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or record is None:
        return {"documents": [], "templates": [], "can_generate": False}
    can_generate = access.can_edit(user, record)
    return {
        "documents": list(selectors.documents_for(actor=user, target=target, record=record)),
        "templates": list(selectors.generation_templates(actor=user, target=target))
        if can_generate
        else [],
        "can_generate": can_generate,
        "object_id": str(record.pk),
        "target": target,
        "next": request.get_full_path() if request is not None else "",
    }


@register.filter
def target_label(key: str) -> str:
    from .. import registry

    try:
        return str(registry.get_target(key).label)
    except registry.UnknownTarget:
        return key
