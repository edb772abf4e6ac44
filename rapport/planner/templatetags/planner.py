"""Template tags of the planner: form fields with Bootstrap classes, the client card's
upcoming events and open tasks."""

from __future__ import annotations

from typing import Any

from django import forms, template

from .. import selectors

register = template.Library()


@register.inclusion_tag("planner/_field.html")
def bs_field(field: Any) -> dict[str, Any]:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.CheckboxSelectMultiple):
        css = ""
    elif (
        isinstance(widget, forms.Select)
        and not widget.attrs.get("data-tomselect")
        and not widget.attrs.get("data-client-lookup")
    ):
        css = "form-select"
    else:
        css = "form-control"
    if css:
        existing = widget.attrs.get("class", "")
        invalid = " is-invalid" if field.errors else ""
        widget.attrs["class"] = f"{existing} {css}{invalid}".strip()
    return {"field": field}


@register.inclusion_tag("planner/_client_planner.html", takes_context=True)
def client_planner(context: Any, client: Any) -> dict[str, Any]:
    """``{% load planner %}{% client_planner client %}`` on the client card: the next
    events and the open tasks of the client the user may see."""
    user = context["request"].user
    return {
        "client": client,
        "occurrences": selectors.upcoming_events_for_client(actor=user, client=client.pk),
        "tasks": selectors.tasks_for_client(actor=user, client=client.pk),
        "user": user,
    }
