"""Forms of the client base: they parse browser input into the arguments of the
services (rapport.parties.services); the services validate and decide."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from rapport.core import selectors as core_selectors
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType, User

from . import selectors, services
from .extensions import client_filter_params
from .models import AddressType, ChannelKind, Client, ClientKind, RelationshipStatus
from .selectors import ClientFilters

CONTACT_TYPES = [
    ("work", _("work")),
    ("mobile", _("mobile")),
    ("home", _("home")),
    ("other", _("other")),
]
CHANNEL_FIELDS = ("phones", "emails", "websites", "messengers")
CONTACT_CHANNEL_FIELDS = ("phones", "emails", "messengers")
ADDRESS_FIELDS = ("type", "country", "postal_code", "region", "city", "street")
ROLE_FIELDS = ("client", "position", "role")
CLIENT_SORTS = {
    "name": _("Name"),
    "-updated": _("Recently updated"),
    "-created": _("Recently created"),
    "created": _("Oldest first"),
}

_SELECT = {"class": "form-select"}
_INPUT = {"class": "form-control"}


def _user_label(user: User) -> str:
    return str(user)


# --- repeatable rows ------------------------------------------------------------------


def read_rows(data: QueryDict, prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows posted as parallel lists ``<prefix>-<field>``."""
    columns = {f: data.getlist(f"{prefix}-{f}") for f in fields}
    size = max((len(c) for c in columns.values()), default=0)
    return [
        {f: (columns[f][i].strip() if i < len(columns[f]) else "") for f in fields}
        for i in range(size)
    ]


def non_empty(rows: list[dict[str, str]], key: str = "value") -> list[dict[str, str]]:
    return [r for r in rows if r.get(key)]


def point_rows(client_or_contact: Any) -> dict[str, list[dict[str, str]]]:
    """Initial rows of contact details for an edit form."""
    by_field: dict[str, list[dict[str, str]]] = {f: [] for f in CHANNEL_FIELDS}
    names = {
        ChannelKind.PHONE: "phones",
        ChannelKind.EMAIL: "emails",
        ChannelKind.WEBSITE: "websites",
        ChannelKind.MESSENGER: "messengers",
    }
    for point in client_or_contact.contact_points.all():
        by_field[names[point.channel]].append({"value": point.value, "type": point.type})
    return by_field


def address_rows(record: Any) -> list[dict[str, str]]:
    return [{f: getattr(a, f) for f in ADDRESS_FIELDS} for a in record.addresses.all()]


# --- user-defined properties ----------------------------------------------------------


def property_field(definition: PropertyDefinition, *, users: Any) -> forms.Field:
    """A form field for one property; the services validate the value."""
    label = definition.label
    kind = definition.type
    common: dict[str, Any] = {"label": label, "required": False}
    if kind == PropertyType.NUMBER:
        return forms.CharField(**common, widget=forms.NumberInput(attrs={**_INPUT, "step": "any"}))
    if kind == PropertyType.DATE:
        return forms.CharField(**common, widget=forms.DateInput(attrs={**_INPUT, "type": "date"}))
    if kind == PropertyType.BOOLEAN:
        return forms.BooleanField(
            **common, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
        )
    if kind == PropertyType.CHOICE:
        return forms.ChoiceField(
            **common,
            choices=[("", "—")] + [(c, c) for c in definition.choices],
            widget=forms.Select(attrs=_SELECT),
        )
    if kind == PropertyType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            **common,
            choices=[(c, c) for c in definition.choices],
            widget=forms.SelectMultiple(attrs={**_SELECT, "data-tomselect": ""}),
        )
    if kind == PropertyType.USER:
        return forms.ChoiceField(
            **common,
            choices=[("", "—")] + [(str(u.pk), _user_label(u)) for u in users],
            widget=forms.Select(attrs={**_SELECT, "data-tomselect": ""}),
        )
    return forms.CharField(**common, widget=forms.TextInput(attrs=_INPUT))


def property_initial(definition: PropertyDefinition, value: Any) -> Any:
    if value in (None, ""):
        return None
    if definition.type == PropertyType.BOOLEAN:
        return bool(value)
    return value


class PropertiesMixin:
    """Adds a ``prop_<code>`` field per active property definition not hidden from the
    user, and collects their values for the services."""

    property_definitions: list[PropertyDefinition]

    def add_property_fields(
        self,
        definitions: dict[str, PropertyDefinition],
        values: dict[str, Any],
        *,
        hide_sensitive: bool,
    ) -> None:
        users = (
            list(core_selectors.user_directory(actor=None))
            if any(d.type == PropertyType.USER for d in definitions.values())
            else []
        )
        self.property_definitions = [
            d for d in definitions.values() if not (hide_sensitive and d.is_sensitive)
        ]
        for definition in self.property_definitions:
            name = f"prop_{definition.code}"
            self.fields[name] = property_field(definition, users=users)  # type: ignore[attr-defined]
            self.initial.setdefault(  # type: ignore[attr-defined]
                name, property_initial(definition, values.get(definition.code))
            )

    def property_values(self) -> dict[str, Any]:
        data = self.cleaned_data  # type: ignore[attr-defined]
        values: dict[str, Any] = {}
        for definition in self.property_definitions:
            value = data.get(f"prop_{definition.code}")
            if definition.type == PropertyType.BOOLEAN:
                values[definition.code] = bool(value)
            elif definition.type == PropertyType.MULTI_CHOICE:
                values[definition.code] = list(value or [])
            else:
                values[definition.code] = value if value not in (None, "") else None
        return values

    def property_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"prop_{d.code}"] for d in self.property_definitions]  # type: ignore[index]


def apply_service_errors(form: forms.Form, exc: ValidationError) -> dict[str, list[str]]:
    """Put a service's ValidationError next to the right fields: form fields get
    ``form.add_error``, ``properties.<code>`` goes to ``prop_<code>``; the rest (contact
    rows, addresses, clients) is answered as ``{name: [messages]}``."""
    other: dict[str, list[str]] = {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return other
    for key, errors in exc.message_dict.items():
        target = f"prop_{key[len('properties.') :]}" if key.startswith("properties.") else key
        if target in form.fields:
            form.add_error(target, errors)
        elif key in CHANNEL_FIELDS or key in ("addresses", "clients"):
            other.setdefault(key, []).extend(errors)
        else:
            form.add_error(None, [f"{key}: {m}" for m in errors])
    return other


# --- client ---------------------------------------------------------------------------


class ClientForm(PropertiesMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ClientKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    # Required-ness and lengths are the services' business; the browser hints only.
    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(
            attrs={**_INPUT, "required": True, "maxlength": 300, "autocomplete": "off"}
        ),
    )
    legal_name = forms.CharField(
        label=_("Full legal name"), required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    tax_id = forms.CharField(
        label=_("Tax id"),
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off"}),
    )
    legal_form = forms.CharField(
        label=_("Legal form"), required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=selectors.tags(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "data-tomselect": ""}),
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=selectors.sources(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    status = forms.ModelChoiceField(
        label=_("Relationship status"),
        queryset=RelationshipStatus.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs={**_SELECT, "data-tomselect": ""}),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, widget=forms.Select(attrs=_SELECT)
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential (VIP)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={**_INPUT, "rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        actor: User,
        instance: Client | None = None,
        details_visible: bool = True,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": instance.kind,
                "name": instance.name,
                "legal_name": instance.legal_name,
                "tax_id": instance.tax_id,
                "legal_form": instance.legal_form,
                "tags": list(instance.tags.all()),
                "source": instance.source_id,
                "status": instance.status_id,
                "manager": instance.manager_id,
                "department": instance.department_id,
                "is_confidential": instance.is_confidential,
                "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        current = instance.status_id if instance else None
        self.fields["status"].queryset = RelationshipStatus.objects.filter(
            Q(is_active=True) | Q(pk=current)
        )
        self.may_assign = services.can_assign_manager(actor)
        if self.may_assign:
            self.fields["manager"].queryset = selectors.assignable_managers(actor=actor)
            self.fields["department"].queryset = core_selectors.departments()
        else:
            del self.fields["manager"]
            del self.fields["department"]
        self.add_property_fields(
            selectors.property_definitions(PropertyTarget.CLIENT),
            instance.properties if instance else {},
            hide_sensitive=not details_visible,
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "kind",
                "name",
                "legal_name",
                "tax_id",
                "legal_form",
                "source",
                "status",
                "is_confidential",
                "notes",
            )
        }
        kwargs["tags"] = list(data["tags"])
        if self.may_assign:
            kwargs["manager"] = data["manager"]
            kwargs["department"] = data["department"]
        kwargs["properties"] = self.property_values()
        return kwargs


def contact_detail_kwargs(data: QueryDict, fields: tuple[str, ...]) -> dict[str, Any]:
    """Phones, e-mails, ... and addresses posted as repeatable rows."""
    kwargs: dict[str, Any] = {f: non_empty(read_rows(data, f, ("value", "type"))) for f in fields}
    kwargs["addresses"] = [
        r
        for r in read_rows(data, "addresses", ADDRESS_FIELDS)
        if any(r[f] for f in ADDRESS_FIELDS if f != "type")
    ]
    return kwargs


def posted_rows(data: QueryDict, fields: tuple[str, ...]) -> dict[str, Any]:
    """Rows as posted (with empty ones) to show the form again after an error."""
    rows: dict[str, Any] = {f: read_rows(data, f, ("value", "type")) for f in fields}
    rows["addresses"] = read_rows(data, "addresses", ADDRESS_FIELDS)
    return rows


# --- contact person -------------------------------------------------------------------


class ContactForm(PropertiesMixin, forms.Form):
    last_name = forms.CharField(
        label=_("Last name"),
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "maxlength": 100}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "maxlength": 100}),
    )
    middle_name = forms.CharField(
        label=_("Middle name"),
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "maxlength": 100}),
    )
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}, format="%Y-%m-%d"),
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"),
        required=False,
        choices=[("", "—"), *ChannelKind.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={**_INPUT, "rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        actor: User,
        instance: Any = None,
        details_visible: bool = True,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                f: getattr(instance, f)
                for f in (
                    "last_name",
                    "first_name",
                    "middle_name",
                    "birthday",
                    "preferred_channel",
                    "notes",
                )
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.add_property_fields(
            selectors.property_definitions(PropertyTarget.CONTACT),
            instance.properties if instance else {},
            hide_sensitive=not details_visible,
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "last_name",
                "first_name",
                "middle_name",
                "birthday",
                "preferred_channel",
                "notes",
            )
        }
        kwargs["properties"] = self.property_values()
        return kwargs


def role_rows(data: QueryDict) -> list[dict[str, str]]:
    return read_rows(data, "roles", ROLE_FIELDS)


# --- client list filters --------------------------------------------------------------


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def client_filters(params: QueryDict, definitions: dict[str, PropertyDefinition]) -> ClientFilters:
    """The list's query string as ClientFilters (unknown parameters are ignored)."""
    props = {
        k: v
        for k, v in params.items()
        if k.startswith("prop_") and v != "" and k[5:].partition("__")[0] in definitions
    }

    def one(name: str) -> str:
        return params.get(name, "").strip()[:100]

    def uuid_or_none(name: str) -> str | None:
        import uuid

        value = one(name)
        if value == "none" and name == "manager":
            return value
        try:
            return str(uuid.UUID(value)) if value else None
        except ValueError:
            return "00000000-0000-0000-0000-000000000000"  # matches nothing

    return ClientFilters(
        search=params.get("q", "").strip()[:200],
        manager=uuid_or_none("manager"),
        status=uuid_or_none("status"),
        kind=one("kind") if one("kind") in ClientKind.values else "",
        tag=uuid_or_none("tag"),
        source=uuid_or_none("source"),
        department=uuid_or_none("department"),
        is_confidential=_yes_no(one("confidential")),
        properties=props,
        extra=client_filter_params(params),
    )


def list_query(params: QueryDict, *, drop: tuple[str, ...] = ("cursor",)) -> str:
    """The list's query string without the cursor: what a saved filter stores."""
    pairs = [
        (k, v)
        for k in params
        for v in params.getlist(k)
        if k not in drop and k != "csrfmiddlewaretoken" and v != ""
    ]
    return urlencode(pairs)


ADDRESS_TYPES = AddressType.choices
