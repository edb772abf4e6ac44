"""Options of an OData connection (``Connection.options`` when kind is odata).

============= ============================================================== =================
key           meaning                                                        default
============= ============================================================== =================
base_url      the publication up to ``/odata/standard.odata/``               (required)
username      the 1C user (its password is ``Connection.secret``)            ""
objects       what to read: counterparties, contacts, contracts, goods,      all
              prices, payments
configuration auto | bp30 | ut11 (auto: decided from ``$metadata``)           "auto"
organisation  Ref_Key of our organisation in 1C for invoices (empty: the     ""
              only one published)
============= ============================================================== =================

``cursor`` (``prices_from``, ``payments_from``: the newest Period / Date pulled) is kept in
the same JSON by the pull; ``merge_options`` keeps it when the form is saved. The
password field is write-only: left blank it keeps the stored password.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.exchange.models import Connection

from .client import base_url_of
from .mapping import CONFIGURATIONS, OBJECTS

OPTION_KEYS = ("base_url", "username", "objects", "configuration", "organisation")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class OptionsForm(forms.Form):
    """The OData part of the connection form. Save with ``merge_options`` (options) and
    ``secret_from`` (``Connection.secret``)."""

    base_url = forms.URLField(
        label=_("Address of the 1C infobase"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "The published infobase up to /odata/standard.odata/, e.g. "
            "https://1c.example.com/accounting/odata/standard.odata/"
        ),
    )
    username = forms.CharField(label=_("1C user"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the current password."),
    )
    objects = forms.MultipleChoiceField(
        label=_("Read from 1C"),
        choices=list(OBJECTS.items()),
        initial=list(OBJECTS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    configuration = forms.ChoiceField(
        label=_("Configuration"), choices=list(CONFIGURATIONS.items()), initial="auto"
    )
    organisation = forms.CharField(
        label=_("Organisation for invoices (Ref_Key)"),
        max_length=36,
        required=False,
        help_text=_("Our organisation in 1C. Empty: the only organisation the infobase has."),
    )

    def __init__(self, *args: Any, connection: Connection | None = None, **kwargs: Any) -> None:
        if connection is not None and "initial" not in kwargs:
            stored = connection.options if isinstance(connection.options, dict) else {}
            kwargs["initial"] = {k: stored[k] for k in OPTION_KEYS if k in stored}
        super().__init__(*args, **kwargs)

    def clean_base_url(self) -> str:
        url = base_url_of(self.cleaned_data["base_url"])
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("The address must start with http:// or https://."))
        return url

    def clean_organisation(self) -> str:
        value = self.cleaned_data["organisation"].strip()
        if value and not _GUID.match(value):
            raise forms.ValidationError(
                _("A Ref_Key looks like 87fa6cc2-e901-11ea-8591-000c29b45b09.")
            )
        return value.lower()


def merge_options(connection: Connection, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The options to store: the form's values plus the pull's cursor already there."""
    stored = connection.options if isinstance(connection.options, dict) else {}
    merged = {k: v for k, v in stored.items() if k not in OPTION_KEYS}
    merged.update({k: cleaned[k] for k in OPTION_KEYS if k in cleaned})
    if stored.get("base_url") and stored.get("base_url") != merged.get("base_url"):
        merged.pop("cursor", None)  # another infobase: start from the beginning
    return merged


def secret_from(connection: Connection, cleaned: dict[str, Any]) -> str:
    """The password to store: the typed one, or the stored one when left blank."""
    return cleaned.get("password") or connection.secret
