"""``{% load interactions_tags %}{% client_interest_filter params.interest %}``: the
interest filter control of the client list (the filter itself is registered with
rapport.parties.extensions)."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("interactions/_client_interest_filter.html")
def client_interest_filter(value: Any = "") -> dict[str, Any]:
    return {"catalogue": selectors.interest_catalogue(), "value": str(value or "")}
