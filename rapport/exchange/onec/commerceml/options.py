"""Options of a CommerceML connection (``Connection.options`` when kind is commerceml).

=================== ============================================================ ==========
key                 meaning                                                      default
=================== ============================================================ ==========
zip                 ask 1C to send zip archives (``zip=yes`` in the init answer)  True
file_limit          largest chunk 1C may send in one ``mode=file`` request, bytes 10 MB
query_encoding      encoding of the orders the CRM hands out (``mode=query``)     utf-8
version             CommerceML version the CRM offers when 1C asks for one        2.08
orders_source       what ``query`` hands out: invoices, deals or both             invoices
deactivate_missing  on ``mode=deactivate``, deactivate goods a full upload lacks  True
=================== ============================================================ ==========
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.exchange.models import Connection

MB = 1024 * 1024
# 1C sends chunks of at most this size; below 64 KB the number of requests gets silly,
# above 100 MB one request holds a worker too long.
FILE_LIMIT_MIN = 64 * 1024
FILE_LIMIT_MAX = 100 * MB

ENCODINGS = [("utf-8", _("UTF-8 (with BOM)")), ("windows-1251", _("windows-1251"))]
# Versions of the protocol and format the endpoint speaks ("3.1" is CommerceML 3).
VERSIONS = ["2.03", "2.04", "2.05", "2.06", "2.07", "2.08", "2.09", "2.10", "3.1"]
ORDER_SOURCES = [
    ("invoices", _("Invoices marked for 1C")),
    ("deals", _("Deals marked for 1C")),
    ("both", _("Invoices and deals")),
]

DEFAULTS: dict[str, Any] = {
    "zip": True,
    "file_limit": 10 * MB,
    "query_encoding": "utf-8",
    "version": "2.08",
    "orders_source": "invoices",
    "deactivate_missing": True,
}


class OptionsForm(forms.Form):
    """The CommerceML part of the connection form; ``cleaned_data`` is ``options``."""

    zip = forms.BooleanField(
        label=_("Ask 1C to send zip archives"),
        required=False,
        initial=DEFAULTS["zip"],
        help_text=_("Archives are smaller and carry the pictures of goods."),
    )
    file_limit = forms.IntegerField(
        label=_("Largest chunk 1C may send (bytes)"),
        min_value=FILE_LIMIT_MIN,
        max_value=FILE_LIMIT_MAX,
        initial=DEFAULTS["file_limit"],
        help_text=_("Bigger files arrive in several parts; 10 MB suits most web servers."),
    )
    query_encoding = forms.ChoiceField(
        label=_("Encoding of orders sent to 1C"),
        choices=ENCODINGS,
        initial=DEFAULTS["query_encoding"],
        help_text=_("Old 1C configurations (CommerceML 2.03–2.05) expect windows-1251."),
    )
    version = forms.ChoiceField(
        label=_("CommerceML version offered to 1C"),
        choices=[(v, v) for v in VERSIONS],
        initial=DEFAULTS["version"],
    )
    orders_source = forms.ChoiceField(
        label=_("Orders sent to 1C"),
        choices=ORDER_SOURCES,
        initial=DEFAULTS["orders_source"],
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate goods missing from a full upload"),
        required=False,
        initial=DEFAULTS["deactivate_missing"],
        help_text=_("Only goods that came from this 1C are deactivated, never deleted."),
    )


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
    if isinstance(value, int):
        return bool(value)
    return default


def options_for(connection: Connection) -> dict[str, Any]:
    """The connection's options over the defaults; a stored value that makes no sense
    (edited by hand, older version) falls back to its default."""
    stored = connection.options if isinstance(connection.options, dict) else {}
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in stored.items() if k not in DEFAULTS})
    for key in ("zip", "deactivate_missing"):
        merged[key] = _as_bool(stored.get(key, DEFAULTS[key]), DEFAULTS[key])
    try:
        limit = int(stored.get("file_limit", DEFAULTS["file_limit"]))
    except (TypeError, ValueError):
        limit = DEFAULTS["file_limit"]
    merged["file_limit"] = min(max(limit, FILE_LIMIT_MIN), FILE_LIMIT_MAX)
    encoding = str(stored.get("query_encoding", "")).lower()
    merged["query_encoding"] = encoding if encoding in dict(ENCODINGS) else "utf-8"
    version = str(stored.get("version", ""))
    merged["version"] = version if version in VERSIONS else DEFAULTS["version"]
    source = str(stored.get("orders_source", ""))
    merged["orders_source"] = source if source in dict(ORDER_SOURCES) else DEFAULTS["orders_source"]
    return merged


def version_key(version: str) -> tuple[int, int] | None:
    """``"2.08"`` -> (2, 8); None for what is not a version we know."""
    if version not in VERSIONS:
        return None
    major, minor = version.split(".")
    return int(major), int(minor)


def negotiate_version(asked: str, offered: str) -> str:
    """The version both sides speak: what 1C asked for if we know it and it is not newer
    than what we offer, else what we offer."""
    asked_key = version_key(asked.strip())
    offered_key = version_key(offered) or version_key(DEFAULTS["version"])
    if asked_key is not None and offered_key is not None and asked_key <= offered_key:
        return asked.strip()
    return offered if version_key(offered) else DEFAULTS["version"]
