"""Forms of the planner pages: they parse input for the services (no business rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from rapport.core import access
from rapport.core.models import Department, User
from rapport.parties.models import Client

from .models import Resource, ResourceKind, TaskPriority

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY", _("Every week")),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", _("Every working day")),
    ("FREQ=MONTHLY", _("Every month")),
    ("FREQ=YEARLY", _("Every year")),
]
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_INPUT, **kwargs)


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def _users(actor: User) -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class ClientLookupSelect(forms.Select):
    """Renders only the chosen client; the others are searched on the server as you type."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        ids = [v for v in (value if isinstance(value, list | tuple) else [value]) if v]
        self.choices = [("", "---------")] + [
            (str(c.pk), c.name) for c in Client.objects.filter(pk__in=ids)
        ]
        return super().get_context(name, value, attrs)


class _ClientField(forms.ModelChoiceField):
    widget = ClientLookupSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs["data-client-lookup"] = reverse_lazy("parties:client_lookup")

    def label_from_instance(self, obj: Client) -> str:
        return obj.name


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    start = forms.DateTimeField(label=_("Start"), widget=LocalDateTimeInput())
    end = forms.DateTimeField(label=_("End"), widget=LocalDateTimeInput())
    all_day = forms.BooleanField(label=_("All day"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEAT_CHOICES, required=False)
    rrule = forms.CharField(
        label=_("Custom repeat rule (RFC 5545)"),
        required=False,
        help_text=_("For example FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10. Overrides “Repeats”."),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-tomselect": "1"}),
    )
    resource = forms.ModelChoiceField(
        label=_("Room or resource"), queryset=Resource.objects.none(), required=False
    )
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    client = _ClientField(label=_("Client"), queryset=Client.objects.none(), required=False)
    is_private = forms.BooleanField(
        label=_("Private"), required=False, help_text=_("Others see only that you are busy.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    allow_conflicts = forms.BooleanField(
        label=_("Save even though participants are busy"), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["time_zone"].choices = _zone_choices()
        self.fields["participants"].queryset = _users(actor)
        self.fields["resource"].queryset = Resource.objects.filter(is_active=True)
        self.fields["client"].queryset = access.visible_to(actor, Client)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = ZoneInfo(data.get("time_zone") or "UTC")
        for name in ("start", "end"):
            value = data.get(name)
            if isinstance(value, dt.datetime):
                # the browser's wall time is in the event's time zone
                data[name] = value.replace(tzinfo=None).replace(tzinfo=zone)
        if data.get("all_day") and data.get("start") and data.get("end"):
            data["start"] = data["start"].replace(hour=0, minute=0)
            end = data["end"].replace(hour=0, minute=0)
            data["end"] = end if end > data["start"] else data["start"] + dt.timedelta(days=1)
        data["rrule"] = (data.get("rrule") or data.get("repeat") or "").strip()
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("repeat", None)
        return data


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    executor = forms.ModelChoiceField(
        label=_("Executor"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs={"data-tomselect": "1"}),
    )
    executor_department = forms.ModelChoiceField(
        label=_("or a department"), queryset=Department.objects.all(), required=False
    )
    deadline = forms.DateTimeField(label=_("Deadline"), required=False, widget=LocalDateTimeInput())
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, coerce=int, initial=TaskPriority.NORMAL
    )
    client = _ClientField(label=_("Client"), queryset=Client.objects.none(), required=False)
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["executor"].queryset = _users(actor)
        self.fields["client"].queryset = access.visible_to(actor, Client)
        if editing:
            for name in ("executor", "executor_department", "checklist"):
                del self.fields[name]

    def clean_deadline(self) -> dt.datetime | None:
        value = self.cleaned_data.get("deadline")
        if value is not None:
            value = value.replace(tzinfo=None).replace(
                tzinfo=ZoneInfo(self.actor.time_zone or "UTC")
            )
        return value

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "checklist" in data:
            data["checklist"] = [line for line in data["checklist"].splitlines() if line.strip()]
        return data


class ReassignForm(forms.Form):
    executor = forms.ModelChoiceField(
        label=_("Executor"), queryset=User.objects.none(), required=False
    )
    executor_department = forms.ModelChoiceField(
        label=_("or a department"), queryset=Department.objects.all(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["executor"].queryset = _users(actor)


class ReserveForm(forms.Form):
    start = forms.DateTimeField(label=_("From"), widget=LocalDateTimeInput())
    end = forms.DateTimeField(label=_("To"), widget=LocalDateTimeInput())

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = ZoneInfo(self.actor.time_zone or "UTC")
        for name in ("start", "end"):
            if data.get(name):
                data[name] = data[name].replace(tzinfo=None).replace(tzinfo=zone)
        return data


class ScheduleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        coerce=int,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    location = forms.CharField(label=_("Location or description"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("Active (can be booked)"), required=False)
