"""Forms of the sales pages. They parse input only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Currency, PriceType, Product, ProductGroup
from rapport.core import access
from rapport.core.models import Department, User
from rapport.parties.models import Client, ContactPerson, Source, Tag

from .models import STAGE_REQUIREMENTS, Competitor, DealStatus, LostReason, Pipeline, Stage
from .services.pipelines import COLORS

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


class DealForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(TEXT))
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contact persons"), queryset=ContactPerson.objects.none(), required=False
    )
    stage = forms.ModelChoiceField(
        label=_("Pipeline and stage"),
        queryset=Stage.objects.none(),
        required=False,
        widget=forms.Select(SELECT),
    )
    currency = forms.ModelChoiceField(
        label=_("Currency"),
        queryset=Currency.objects.filter(is_active=True),
        widget=forms.Select(SELECT),
    )
    price_type = forms.ModelChoiceField(
        label=_("Price type"),
        queryset=PriceType.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(SELECT),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=18,
        decimal_places=2,
        help_text=_("Computed from the product lines when there are lines."),
        widget=forms.NumberInput({**TEXT, "step": "0.01"}),
    )
    probability = forms.IntegerField(
        label=_("Probability, %"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(TEXT),
    )
    expected_close = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput({**TEXT, "type": "date"}, format="%Y-%m-%d"),
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        widget=forms.Select({**SELECT, "data-tomselect": ""}),
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=Source.objects.all(),
        required=False,
        widget=forms.Select(SELECT),
    )
    competitors = forms.ModelMultipleChoiceField(
        label=_("Competitors"),
        queryset=Competitor.objects.all(),
        required=False,
        widget=forms.SelectMultiple({**SELECT, "data-tomselect": ""}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea({**TEXT, "rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = access.visible_to(actor, Client)
        self.fields["contacts"].queryset = access.visible_to(actor, ContactPerson)
        self.fields["stage"].queryset = Stage.objects.filter(
            is_active=True, pipeline__is_active=True
        ).select_related("pipeline")
        if editing:
            del self.fields["stage"]

    def stage_groups(self) -> list[tuple[Pipeline, list[Stage]]]:
        groups: dict[Any, tuple[Pipeline, list[Stage]]] = {}
        for stage in self.fields["stage"].queryset.order_by("pipeline__position", "position"):
            groups.setdefault(stage.pipeline_id, (stage.pipeline, []))[1].append(stage)
        return list(groups.values())

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return data


LINE_FIELDS = ("product", "description", "quantity", "price", "discount", "vat")


def parse_lines(data: Any) -> list[dict[str, Any]]:
    """The lines editor's rows (``line-<field>`` lists) as service input; empty rows are
    skipped, an empty price / discount / VAT means "from the catalogue"."""
    columns = {name: data.getlist(f"line-{name}") for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    product_ids = [pk for pk in columns["product"] if pk]
    products = {
        str(p.pk): p
        for p in Product.objects.filter(pk__in=_valid_uuids(product_ids)).select_related(
            "vat_rate", "unit", "group"
        )
    }
    lines = []
    for i in range(count):
        row = {
            name: (values[i] if i < len(values) else "").strip() for name, values in columns.items()
        }
        if not any(row.values()) or (not row["product"] and not row["description"]):
            continue
        line: dict[str, Any] = {
            "product": products.get(row["product"]),
            "description": row["description"],
            "quantity": row["quantity"] or "1",
        }
        if row["price"]:
            line["price"] = row["price"]
        if row["discount"]:
            line["discount_percent"] = row["discount"]
        if row["vat"]:
            line["vat_rate"] = None if row["vat"] == "none" else row["vat"]
        lines.append(line)
    return lines


def _valid_uuids(values: list[str]) -> list[str]:
    import uuid

    result = []
    for value in values:
        try:
            result.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return result


class DealFilterForm(forms.Form):
    search = forms.CharField(
        label=_("Search"), required=False, widget=forms.TextInput({**TEXT, "type": "search"})
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.all(),
        required=False,
        widget=forms.Select(SELECT),
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.select_related("pipeline"),
        required=False,
        widget=forms.Select(SELECT),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any")), *DealStatus.choices, ("closed", _("Closed (won or lost)"))],
        required=False,
        widget=forms.Select(SELECT),
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        widget=forms.Select(SELECT),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.Select(SELECT),
    )
    client = forms.UUIDField(required=False, widget=forms.HiddenInput)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput({**TEXT, "type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput({**TEXT, "type": "date"})
    )
    closed_from = forms.DateField(
        label=_("Closed from"), required=False, widget=forms.DateInput({**TEXT, "type": "date"})
    )
    closed_to = forms.DateField(
        label=_("Closed to"), required=False, widget=forms.DateInput({**TEXT, "type": "date"})
    )
    product_group = forms.ModelChoiceField(
        label=_("Product group"),
        queryset=ProductGroup.objects.all(),
        required=False,
        widget=forms.Select(SELECT),
    )
    category = forms.ModelChoiceField(
        label=_("Client category"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.Select(SELECT),
    )
    # The funnel's drill-down: deals that got at least as far as this stage.
    reached = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["status"] = data.get("status") or ""
        data["search"] = data.get("search") or ""
        return data


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Why lost"),
        queryset=LostReason.objects.filter(is_active=True),
        widget=forms.Select(SELECT),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({**TEXT, "rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(TEXT))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.TextInput(TEXT)
    )
    is_default = forms.BooleanField(label=_("Default"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(TEXT))
    probability = forms.IntegerField(
        label=_("Probability, %"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(TEXT),
    )
    required_fields = forms.MultipleChoiceField(
        label=_("Required to enter"),
        choices=list(STAGE_REQUIREMENTS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    color = forms.ChoiceField(
        label=_("Colour"), choices=[(c, c) for c in COLORS], widget=forms.Select(SELECT)
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class StageActionForm(forms.Form):
    title = forms.CharField(label=_("Typical action"), max_length=300, widget=forms.TextInput(TEXT))
    due_in_days = forms.IntegerField(
        label=_("Due in, days"),
        min_value=0,
        max_value=365,
        initial=1,
        widget=forms.NumberInput(TEXT),
    )
