"""Template helpers of sales: the client card's deals panel, money display."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats

from rapport.core import access

from ..selectors.deals import client_deals

register = template.Library()


@register.inclusion_tag("sales/_client_deals_panel.html", takes_context=True)
def client_deals_panel(context: Any, client: Any) -> dict[str, Any]:
    user = context["request"].user
    deals = list(client_deals(actor=user, client=client)[:10])
    return {
        "client": client,
        "deals": deals,
        "can_add": user.can_write and access.can_edit(user, client),
        "request": context["request"],
    }


@register.filter
def money(value: Any, currency: Any = "") -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()


@register.filter
def duration(value: Any) -> str:
    """A timedelta as "3 d 4 h" / "5 h 10 min"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@register.filter
def requirement_labels(codes: Any) -> str:
    from ..models import STAGE_REQUIREMENTS

    return ", ".join(str(STAGE_REQUIREMENTS.get(code, code)) for code in codes or ())


@register.filter
def normalize_number(value: Any) -> str:
    """A Decimal without trailing zeros and without exponent (10.5000 -> 10.5)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = format(number.normalize(), "f")
    return text
