"""Helpers shared by the catalogue pages."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ..access import can_manage_catalog


def manager_required(view: Any) -> Any:
    """Administrators and directors only (the catalogue is visible to everyone, so the
    others get a plain 403: there is nothing hidden to protect with a 404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_manage_catalog(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def price_text(value: Decimal | None) -> str:
    """A price for an input: at least two decimals, no trailing zeros beyond them."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(2, "0")
        return f"{whole}.{frac}"
    return f"{text}.00"
