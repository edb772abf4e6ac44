"""Options of an EnterpriseData connection (``Connection.options`` when kind is enterprisedata).

==================== =========================================================== ============
key                  meaning                                                     default
==================== =========================================================== ============
folder               shared directory 1C and the CRM exchange files through      "" (upload/
                     (``Message_<from>_<to>.xml`` or ``.zip``)                   download only)
our_prefix           our node's code in the headers (1C's "prefix" of the CRM)   "CRM"
peer_prefix          1C's node code; learned from its handshake when empty       ""
versions             format versions we offer (the highest common one is used)   1.8 1.10 1.11
send_counterparties  send clients as Справочник.Контрагенты                      True
send_contacts        send contact persons as Справочник.КонтактныеЛица           True
send_products        send goods as Справочник.Номенклатура                       True
send_invoices        send invoices marked for 1C as Документ.СчетНаОплатуПокупателю True
zip                  write outgoing messages as .zip                             True
on_error             an object that cannot be applied: "skip" it and apply the    "skip"
                     rest, or "stop" and apply nothing of the message
==================== =========================================================== ============

``ed_state`` (numbering, what the handshake said) is kept in the same JSON by
``envelope``; ``merge_options`` keeps it when the form is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.exchange.models import Connection

from .envelope import DEFAULT_VERSIONS, KNOWN_VERSIONS, STATE_KEY, version_key

ON_ERROR = [
    ("skip", _("Skip the object, apply the rest")),
    ("stop", _("Stop: apply nothing of the message")),
]

DEFAULTS: dict[str, Any] = {
    "folder": "",
    "our_prefix": "CRM",
    "peer_prefix": "",
    "versions": list(DEFAULT_VERSIONS),
    "send_counterparties": True,
    "send_contacts": True,
    "send_products": True,
    "send_invoices": True,
    "zip": True,
    "on_error": "skip",
}

_BOOLS = ("send_counterparties", "send_contacts", "send_products", "send_invoices", "zip")


@dataclass
class EDOptions:
    folder: str = ""
    our_prefix: str = "CRM"
    peer_prefix: str = ""
    versions: list[str] = field(default_factory=lambda: list(DEFAULT_VERSIONS))
    send_counterparties: bool = True
    send_contacts: bool = True
    send_products: bool = True
    send_invoices: bool = True
    zip: bool = True
    on_error: str = "skip"


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(value, int):
        return bool(value)
    return default


def options_for(connection: Connection) -> EDOptions:
    """The connection's options over the defaults (nonsense falls back to the default)."""
    stored = connection.options if isinstance(connection.options, dict) else {}
    versions = [v for v in stored.get("versions") or [] if v in KNOWN_VERSIONS]
    state = stored.get(STATE_KEY) or {}
    return EDOptions(
        folder=str(stored.get("folder") or ""),
        our_prefix=str(stored.get("our_prefix") or DEFAULTS["our_prefix"]),
        peer_prefix=str(stored.get("peer_prefix") or state.get("peer_prefix") or ""),
        versions=sorted(versions or DEFAULT_VERSIONS, key=version_key),
        on_error="stop" if stored.get("on_error") == "stop" else "skip",
        **{k: _as_bool(stored.get(k, DEFAULTS[k]), DEFAULTS[k]) for k in _BOOLS},
    )


class OptionsForm(forms.Form):
    """The EnterpriseData part of the connection form; ``cleaned_data`` is ``options``
    (save it with ``merge_options`` so the numbering state is kept)."""

    folder = forms.CharField(
        label=_("Exchange folder"),
        required=False,
        max_length=500,
        help_text=_(
            "A directory both this server and 1C can read and write. Empty: exchange by "
            "uploading and downloading files on the connection page."
        ),
    )
    our_prefix = forms.CharField(
        label=_("Code of the CRM's node"),
        max_length=20,
        initial=DEFAULTS["our_prefix"],
        help_text=_("The prefix 1C shows for this CRM; files are named Message_<from>_<to>."),
    )
    peer_prefix = forms.CharField(
        label=_("Code of 1C's node"),
        max_length=20,
        required=False,
        help_text=_("The infobase prefix of 1C. Empty: taken from 1C's first message."),
    )
    versions = forms.MultipleChoiceField(
        label=_("Format versions offered"),
        choices=[(v, v) for v in KNOWN_VERSIONS],
        initial=list(DEFAULT_VERSIONS),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The highest version both sides have is used."),
    )
    send_counterparties = forms.BooleanField(
        label=_("Send clients (counterparties)"), required=False, initial=True
    )
    send_contacts = forms.BooleanField(
        label=_("Send contact persons"), required=False, initial=True
    )
    send_products = forms.BooleanField(label=_("Send goods"), required=False, initial=True)
    send_invoices = forms.BooleanField(
        label=_("Send invoices marked for 1C"), required=False, initial=True
    )
    zip = forms.BooleanField(
        label=_("Write messages as zip archives"), required=False, initial=True
    )
    on_error = forms.ChoiceField(
        label=_("An object 1C sent cannot be applied"), choices=ON_ERROR, initial="skip"
    )

    def clean_folder(self) -> str:
        folder = self.cleaned_data["folder"].strip()
        if folder and not Path(folder).is_absolute():
            raise forms.ValidationError(_("Give the full path of the folder."))
        if folder and not Path(folder).is_dir():
            raise forms.ValidationError(
                _("There is no folder “%(path)s” on the server.") % {"path": folder}
            )
        return folder

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ours, theirs = data.get("our_prefix", ""), data.get("peer_prefix", "")
        if ours and theirs and ours == theirs:
            self.add_error("peer_prefix", _("1C's node code must differ from the CRM's."))
        for name in ("our_prefix", "peer_prefix"):
            value = data.get(name) or ""
            if any(c in value for c in '/\\:*?"<>|_'):
                self.add_error(name, _('A node code cannot contain / \\ : * ? " < > | or _.'))
        return data


def _form_to_options(form: OptionsForm) -> dict[str, Any]:
    """``cleaned_data`` plus what the form does not edit (the numbering state), taken from
    the stored options the form was built over (its ``initial``)."""
    kept = {k: v for k, v in (form.initial or {}).items() if k not in DEFAULTS}
    return {**kept, **{k: form.cleaned_data[k] for k in DEFAULTS if k in form.cleaned_data}}


OptionsForm.to_options = _form_to_options  # type: ignore[attr-defined]


def merge_options(connection: Connection, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The options to store: the form's values plus the numbering state already there."""
    stored = connection.options if isinstance(connection.options, dict) else {}
    merged = {k: v for k, v in stored.items() if k not in DEFAULTS}
    merged.update({k: cleaned[k] for k in DEFAULTS if k in cleaned})
    return merged
