"""Forms of the interaction pages: they parse input; the services validate and write."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Role, User

from . import selectors
from .models import (
    REQUIRABLE_FIELDS,
    Colour,
    Direction,
    InteractionTemplate,
    InteractionType,
    Interest,
)

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_INPUT, **kwargs)


def _select(**attrs: Any) -> dict[str, Any]:
    return {"class": "form-select", **attrs}


def _writers() -> Any:
    return User.objects.filter(is_active=True).exclude(role=Role.READ_ONLY)


class InteractionForm(forms.Form):
    client = forms.UUIDField(label=_("Client"))
    type = forms.ModelChoiceField(
        queryset=InteractionType.objects.none(),
        label=_("Type"),
        widget=forms.Select(attrs=_select()),
    )
    planned = forms.BooleanField(
        label=_("Planned (not done yet)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    date = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=DateTimeInput(attrs={"class": "form-control"}),
    )
    duration = forms.IntegerField(
        label=_("Duration, minutes"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    contacts = forms.MultipleChoiceField(
        label=_("Contact persons"),
        required=False,
        widget=forms.SelectMultiple(attrs=_select(**{"data-tomselect": ""})),
    )
    participants = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label=_("Our participants"),
        required=False,
        widget=forms.SelectMultiple(attrs=_select(**{"data-tomselect": ""})),
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Manager"),
        required=False,
        widget=forms.Select(attrs=_select()),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )
    result = forms.CharField(
        label=_("Result"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    next_step = forms.CharField(
        label=_("Next step"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, actor: User, client: Any = None, **kwargs: Any) -> None:
        current_type = kwargs.pop("current_type", None)
        super().__init__(*args, **kwargs)
        types = selectors.interaction_types(active_only=True)
        if current_type is not None:
            types = InteractionType.objects.filter(Q(is_active=True) | Q(pk=current_type.pk))
        self.fields["type"].queryset = types
        self.fields["participants"].queryset = _writers()
        self.fields["manager"].queryset = _writers()
        self.fields["contacts"].choices = contact_choices(actor=actor, client=client)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["participants"] = list(data.get("participants") or [])
        data["contacts"] = list(data.get("contacts") or [])
        return data


def contact_choices(*, actor: User, client: Any) -> list[tuple[str, str]]:
    if client is None:
        return []
    return [(str(c.pk), c.full_name) for c in selectors.client_contacts(actor=actor, client=client)]


class CompleteForm(forms.Form):
    result = forms.CharField(
        label=_("Result"), widget=forms.Textarea(attrs={"class": "form-control", "rows": 4})
    )
    next_step = forms.CharField(
        label=_("Next step"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    date = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=[DATETIME_INPUT],
        widget=DateTimeInput(attrs={"class": "form-control"}),
    )
    duration = forms.IntegerField(
        label=_("Duration, minutes"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


class ClientInterestForm(forms.Form):
    interest = forms.ModelChoiceField(
        queryset=Interest.objects.filter(is_active=True),
        label=_("Interest"),
        widget=forms.Select(attrs=_select(**{"data-tomselect": ""})),
    )
    noted_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def _uuid_or_none(value: str) -> Any:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return uuid.UUID(int=0)  # matches nothing


def _date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def list_filters(params: QueryDict, *, actor: User) -> selectors.InteractionFilters:
    """The list page's query string as filters (unknown values are ignored)."""

    def one(name: str) -> str:
        return params.get(name, "").strip()[:100]

    user = one("user")
    planned = {"1": True, "0": False}.get(one("planned"))
    return selectors.InteractionFilters(
        client=_uuid_or_none(one("client")),
        type=_uuid_or_none(one("type")),
        user=actor.pk if user == "me" else _uuid_or_none(user),
        date_from=_date_or_none(one("date_from")),
        date_to=_date_or_none(one("date_to")),
        planned=planned,
        search=params.get("q", "").strip()[:200],
    )


# --- settings (administrators) --------------------------------------------------------


class InteractionTypeForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        label=_("Required fields"),
        required=False,
        choices=list(REQUIRABLE_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = InteractionType
        fields = ["name", "code", "icon", "color", "direction", "required_fields"]
        fields += ["position", "is_active"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "code": forms.TextInput(attrs={"class": "form-control"}),
            "icon": forms.TextInput(attrs={"class": "form-control"}),
            "color": forms.Select(choices=Colour.choices, attrs=_select()),
            "direction": forms.Select(choices=Direction.choices, attrs=_select()),
            "position": forms.NumberInput(attrs={"class": "form-control"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


class InteractionTemplateForm(forms.ModelForm):
    class Meta:
        model = InteractionTemplate
        fields = ["name", "type", "subject", "description", "duration", "position", "is_active"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "type": forms.Select(attrs=_select()),
            "subject": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 5}),
            "duration": forms.NumberInput(attrs={"class": "form-control"}),
            "position": forms.NumberInput(attrs={"class": "form-control"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


class InterestForm(forms.ModelForm):
    class Meta:
        model = Interest
        fields = ["name", "parent", "position", "is_active"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "parent": forms.Select(attrs=_select()),
            "position": forms.NumberInput(attrs={"class": "form-control"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = Interest.objects.filter(parent__isnull=True)
        if self.instance.pk:
            groups = groups.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = groups
        self.fields["parent"].required = False
