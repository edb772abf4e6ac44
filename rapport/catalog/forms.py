"""Forms of the catalogue pages: they parse browser input into the arguments of the
services (rapport.catalog.services); the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Role
from rapport.parties.forms import PropertiesMixin
from rapport.parties.models import Tag

from .models import Currency, PriceType, ProductGroup, ProductKind, Unit, VatRate
from .selectors import group_tree

_SELECT = {"class": "form-select"}
_INPUT = {"class": "form-control"}
_CHECK = {"class": "form-check-input"}
_DATE = {"class": "form-control", "type": "date"}


class GroupChoiceField(forms.ModelChoiceField):
    """Groups in tree order, indented by depth."""

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(ProductGroup.objects.all(), *args, **kwargs)
        if actor is not None:
            self.choices = [("", "—")] + [
                (n.group.pk, "\u2003" * n.depth + n.group.name) for n in group_tree(actor=actor)
            ]


def _decimal_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={**_INPUT, "inputmode": "decimal", **attrs})


class ProductForm(PropertiesMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=300, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ProductKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    sku = forms.CharField(
        label=_("SKU"), max_length=64, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    barcode = forms.CharField(
        label=_("Barcode"), max_length=64, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    vat_rate = forms.ModelChoiceField(
        label=_("VAT rate"),
        queryset=VatRate.objects.all(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 4}),
    )
    is_active = forms.BooleanField(
        label=_("Active (offered in new deals)"),
        required=False,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )

    def __init__(self, *args: Any, actor: Any, product: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"] = GroupChoiceField(
            label=_("Group"), required=False, actor=actor, widget=forms.Select(attrs=_SELECT)
        )
        self.order_fields(["name", "kind", "sku", "barcode", "group", "unit", "vat_rate"])
        from .selectors import product_property_definitions

        definitions = {d.code: d for d in product_property_definitions()}
        self.add_property_fields(
            definitions, product.properties if product else {}, hide_sensitive=False
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            f: data.get(f)
            for f in (
                "name",
                "kind",
                "sku",
                "barcode",
                "group",
                "unit",
                "vat_rate",
                "description",
            )
        }
        kwargs["is_active"] = bool(data.get("is_active"))
        kwargs["properties"] = self.property_values()
        return kwargs


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=0, initial=0, widget=forms.NumberInput(attrs=_INPUT)
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = GroupChoiceField(
            label=_("Parent group"), required=False, actor=actor, widget=forms.Select(attrs=_SELECT)
        )
        self.order_fields(["name", "parent", "position"])


class PriceListForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    price_type = forms.ModelChoiceField(
        label=_("Price type"),
        queryset=PriceType.objects.all(),
        widget=forms.Select(attrs=_SELECT),
    )
    currency = forms.ModelChoiceField(
        label=_("Currency"),
        queryset=Currency.objects.filter(is_active=True),
        widget=forms.Select(attrs=_SELECT),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs=_DATE))
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs=_CHECK)
    )


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.SearchInput(
            attrs={**_INPUT, "placeholder": _("Name, SKU or barcode"), "autofocus": True}
        ),
    )
    group = forms.UUIDField(required=False, widget=forms.HiddenInput)
    active = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("1", _("Active")), ("0", _("Inactive")), ("all", _("All"))],
        widget=forms.Select(attrs={**_SELECT, "data-autosubmit": ""}),
    )

    def active_flag(self) -> bool | None:
        value = self.cleaned_data.get("active") or "1"
        return None if value == "all" else value == "1"


# --- settings ---------------------------------------------------------------------------


class CurrencyForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=3, widget=forms.TextInput(attrs=_INPUT))
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    symbol = forms.CharField(
        label=_("Symbol"), max_length=8, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    minor_units = forms.IntegerField(
        label=_("Decimal places"),
        min_value=0,
        max_value=4,
        initial=2,
        widget=forms.NumberInput(attrs=_INPUT),
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs=_CHECK)
    )


class ExchangeRateForm(forms.Form):
    currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.all(), widget=forms.Select(attrs=_SELECT)
    )
    multiplier = forms.IntegerField(
        label=_("Multiplier"), min_value=1, initial=1, widget=forms.NumberInput(attrs=_INPUT)
    )
    base = forms.ModelChoiceField(
        label=_("Base currency"),
        queryset=Currency.objects.all(),
        widget=forms.Select(attrs=_SELECT),
    )
    rate = forms.CharField(label=_("Rate"), widget=_decimal_input())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=_DATE))


class UnitForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=50, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    code = forms.CharField(
        label=_("Classifier code"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs=_INPUT),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )


class VatRateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=50, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    rate = forms.CharField(
        label=_("Rate, %"),
        required=False,
        help_text=_("Empty: without VAT."),
        widget=_decimal_input(),
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=0, initial=0, widget=forms.NumberInput(attrs=_INPUT)
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs=_CHECK)
    )


class PriceTypeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=0, initial=0, widget=forms.NumberInput(attrs=_INPUT)
    )
    includes_vat = forms.BooleanField(
        label=_("Prices include VAT"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )
    is_default = forms.BooleanField(
        label=_("Default"), required=False, widget=forms.CheckboxInput(attrs=_CHECK)
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs=_CHECK)
    )


class DiscountRuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    percent = forms.CharField(label=_("Discount, %"), widget=_decimal_input())
    client_category = forms.ModelChoiceField(
        label=_("Client category"),
        queryset=Tag.objects.all(),
        required=False,
        empty_label=_("Any"),
        widget=forms.Select(attrs=_SELECT),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs=_CHECK)
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_group"] = GroupChoiceField(
            label=_("Product group (with subgroups)"),
            required=False,
            actor=actor,
            widget=forms.Select(attrs=_SELECT),
        )
        self.order_fields(["name", "percent", "client_category", "product_group"])


class DiscountLimitsForm(forms.Form):
    """One field per role: the largest manual discount, empty for the default."""

    def __init__(self, *args: Any, limits: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in limits:
            self.fields[row.role] = forms.CharField(
                label=row.label,
                required=False,
                help_text=_("Default: %(value)s%%") % {"value": _default_limit(row.role)},
                widget=_decimal_input(placeholder=_default_limit(row.role)),
            )
            self.initial.setdefault(row.role, row.max_percent)


def _default_limit(role: str) -> str:
    return "100" if role in (Role.ADMINISTRATOR, Role.DIRECTOR) else "0"
