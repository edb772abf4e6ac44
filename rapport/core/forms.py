"""Forms of the core pages: they parse input; the services decide."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEvent,
    Department,
    Organisation,
    PropertyDefinition,
    PropertyTarget,
    PropertyType,
    ReadScope,
    Role,
    User,
)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC")
    return [(n, n.replace("_", " ")) for n in names]


class BootstrapMixin:
    """Adds Bootstrap classes to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ProfileForm(BootstrapMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        widget=forms.Select(attrs={"data-tomselect": ""}),
    )


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class UserForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.select_related("parent"),
        required=False,
    )
    read_scope = forms.ChoiceField(
        label=_("Read-only grant"),
        choices=ReadScope.choices,
        initial=ReadScope.ALL,
        help_text=_("What a read-only user may see."),
    )
    sees_confidential = forms.BooleanField(
        label=_("Sees confidential (VIP) clients"),
        required=False,
        help_text=_("May see the contact details of confidential clients."),
    )
    can_exchange = forms.BooleanField(
        label=_("May exchange data with 1C"),
        required=False,
        help_text=_("1C logs in as this user; the user may also manage the exchange settings."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("Set password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    def __init__(self, *args, user: User | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["department"].label_from_instance = department_label
        if user is None:
            self.fields["password"].help_text = _(
                "Leave empty to create the user without a password (cannot log in yet)."
            )

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            candidate = self.user or User(username=self.data.get("username", ""))
            password_validation.validate_password(password, candidate)
        return password

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "department": user.department_id,
            "read_scope": user.read_scope,
            "sees_confidential": user.sees_confidential,
            "can_exchange": user.can_exchange,
            "is_active": user.is_active,
        }


def department_label(department: Department) -> str:
    if department.parent_id:
        return f"{department.parent} › {department}"
    return str(department)


class DepartmentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(
        label=_("Parent department"),
        required=False,
        queryset=Department.objects.select_related("parent"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Our legal entity the department belongs to."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = department_label


class PropertyForm(BootstrapMixin, forms.Form):
    target = forms.ChoiceField(label=_("Applies to"), choices=PropertyTarget.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Letters, digits, hyphens and underscores; used in the API and filters."),
    )
    label = forms.CharField(label=_("Label"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=PropertyType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line; for the choice and multiple choice types."),
    )
    is_required = forms.BooleanField(label=_("Required"), required=False)
    is_sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_("Hidden on confidential (VIP) clients from users who may not see them."),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, definition: PropertyDefinition | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if definition is not None:
            # The target of an existing property never changes.
            self.fields["target"].disabled = True

    def clean_choices(self) -> list[str]:
        text = self.cleaned_data.get("choices") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    @classmethod
    def initial_for(cls, definition: PropertyDefinition) -> dict:
        return {
            "target": definition.target,
            "code": definition.code,
            "label": definition.label,
            "type": definition.type,
            "choices": "\n".join(definition.choices or []),
            "is_required": definition.is_required,
            "is_sensitive": definition.is_sensitive,
            "position": definition.position,
            "is_active": definition.is_active,
        }


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)


class AuditFilterForm(BootstrapMixin, forms.Form):
    event = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("All events")), *AuditEvent.choices],
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
