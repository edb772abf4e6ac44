"""Forms of the 1C exchange pages: they parse input; the services decide.

The connection form is two forms on one page: the common fields below and the channel's own
options form (``rapport.exchange.onec.<kind>.options.OptionsForm``, prefix "options"),
whose ``cleaned_data`` becomes ``Connection.options``. A password (the OData options' ``password``)
is write-only: it goes to ``Connection.secret``, is never shown, and left empty keeps the
stored one.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import BootstrapMixin
from rapport.exchange.models import (
    CHANNEL_LABELS,
    ConflictStatus,
    Connection,
    ConnectionKind,
    SessionStatus,
)

from . import selectors

OPTIONS_PREFIX = "options"
# Keys of an options form that are secrets: they go to Connection.secret, not options.
SECRET_FIELDS = ("password",)


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class ConnectionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Channel"), choices=ConnectionKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "Short Latin name of this 1C infobase (e.g. “buh”); 1C ids are kept under it, "
            "so keep it when you change other settings."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    run_as = _UserChoiceField(
        label=_("Acts as"),
        queryset=selectors.exchange_users(),
        required=False,
        help_text=_(
            "The user the exchange writes as (history names them); a user with the exchange "
            "permission."
        ),
    )
    default_manager = _UserChoiceField(
        label=_("Manager of new clients"),
        queryset=selectors.manager_choices(),
        required=False,
        help_text=_("Clients the exchange creates get this manager."),
    )
    schedule_minutes = forms.IntegerField(
        label=_("Run every (minutes)"),
        min_value=1,
        max_value=7 * 24 * 60,
        required=False,
        help_text=_("Empty: only when started by hand."),
    )

    def __init__(self, *args: Any, connection: Connection | None = None, kind: str = "", **kw):
        self.connection = connection
        if connection is not None:
            kw.setdefault(
                "initial",
                {
                    "kind": connection.kind,
                    "name": connection.name,
                    "code": connection.code,
                    "is_active": connection.is_active,
                    "run_as": connection.run_as_id,
                    "default_manager": connection.default_manager_id,
                    "schedule_minutes": connection.schedule_minutes,
                },
            )
        elif kind:
            kw.setdefault("initial", {"kind": kind, "is_active": True})
        super().__init__(*args, **kw)
        self.kind = connection.kind if connection is not None else kind
        # The channel decides the options: it is chosen before the form and never changes.
        self.fields["kind"].disabled = True
        self.fields["kind"].required = False
        if self.kind == ConnectionKind.COMMERCEML:
            del self.fields["schedule_minutes"]

    def values(self) -> dict[str, Any]:
        """Keyword arguments of connection_create / connection_update."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "code": data["code"],
            "is_active": data["is_active"],
            "run_as": data["run_as"],
            "default_manager": data["default_manager"],
            "schedule_minutes": data.get("schedule_minutes"),
        }


def options_module(kind: str) -> Any:
    """``rapport.exchange.onec.<kind>.options`` (written with the channel), if it exists."""
    if kind not in ConnectionKind.values:
        return None
    try:
        return import_module(f"rapport.exchange.onec.{kind}.options")
    except ImportError:
        return None


def options_form_class(kind: str) -> type[forms.Form] | None:
    """The options form of a channel."""
    return getattr(options_module(kind), "OptionsForm", None)


def options_form(
    kind: str, *, data: Any = None, connection: Connection | None = None
) -> forms.Form | None:
    """The channel's options form with Bootstrap classes, over the stored options."""
    form_class = options_form_class(kind)
    if form_class is None:
        return None
    initial = dict(connection.options) if connection is not None else {}
    form = form_class(data, prefix=OPTIONS_PREFIX, initial=initial)
    for name, field in form.fields.items():
        widget = field.widget
        if name in SECRET_FIELDS and isinstance(widget, forms.PasswordInput):
            widget.render_value = False
            if connection is not None and connection.secret:
                field.help_text = _("A password is stored; leave empty to keep it.")
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = ""
        else:
            css = "form-control"
        if css and css not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


def options_to_save(
    kind: str, form: forms.Form | None, connection: Connection | None
) -> tuple[dict[str, Any], str | None]:
    """(options, secret) from a valid options form. The channel's ``merge_options`` keeps
    what the form does not edit (cursors, message numbering); an empty password keeps the
    stored one (``None``)."""
    if form is None:
        return (dict(connection.options) if connection is not None else {}), None
    to_options = getattr(form, "to_options", None)
    cleaned = dict(to_options() if callable(to_options) else form.cleaned_data)
    secret = None
    for name in SECRET_FIELDS:
        value = cleaned.pop(name, None)
        if value:
            secret = str(value)
    merge = getattr(options_module(kind), "merge_options", None)
    if connection is None:
        return cleaned, secret
    if callable(merge):
        return merge(connection, cleaned), secret
    return {**connection.options, **cleaned}, secret


class OwnershipForm(forms.Form):
    """One select per (target, field) of the policy: ``<target>__<field>`` -> owner."""

    def __init__(self, *args: Any, table: list[selectors.OwnershipTarget], **kwargs: Any):
        super().__init__(*args, **kwargs)
        from rapport.exchange.models import Owner

        self.table = table
        for group in table:
            for row in group.rows:
                self.fields[self.key(row.target, row.field)] = forms.ChoiceField(
                    label=row.label,
                    choices=Owner.choices,
                    initial=row.owner,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )

    @staticmethod
    def key(target: str, field: str) -> str:
        return f"{target}__{field}"

    def values(self) -> dict[tuple[str, str], str]:
        return {
            (row.target, row.field): self.cleaned_data[self.key(row.target, row.field)]
            for group in self.table
            for row in group.rows
        }

    def groups(self) -> list[tuple[selectors.OwnershipTarget, list[tuple[Any, Any]]]]:
        """For the template: per target, (row, bound field) pairs."""
        return [
            (group, [(row, self[self.key(row.target, row.field)]) for row in group.rows])
            for group in self.table
        ]


class SessionFilterForm(BootstrapMixin, forms.Form):
    connection = forms.ModelChoiceField(
        label=_("Connection"), queryset=Connection.objects.all(), required=False
    )
    channel = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any")), *list(SessionStatus.choices)],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, channels: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["connection"].empty_label = _("all")
        self.fields["channel"].choices = [("", _("any"))] + [
            (c, str(CHANNEL_LABELS.get(c, c))) for c in channels or []
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                field.widget.attrs["class"]
                .replace("form-control", "form-control form-control-sm")
                .replace("form-select", "form-select form-select-sm")
            )

    def filters(self) -> selectors.SessionFilters:
        if not self.is_valid():
            return selectors.SessionFilters()
        data = self.cleaned_data
        return selectors.SessionFilters(
            connection=data["connection"].pk if data["connection"] else None,
            channel=data["channel"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class ConflictFilterForm(BootstrapMixin, forms.Form):
    connection = forms.ModelChoiceField(
        label=_("Connection"), queryset=Connection.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any")), *list(ConflictStatus.choices)],
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["connection"].empty_label = _("all")
