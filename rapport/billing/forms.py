"""Forms of the billing pages: they parse input for the services (which validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Currency
from rapport.core.models import Organisation

from .models import PaymentMethod

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _control(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class InvoiceForm(forms.Form):
    client = forms.UUIDField(label=_("Client"), widget=forms.Select)
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"), label=_("Organisation"), required=False
    )
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    contact = forms.UUIDField(label=_("Contact person"), required=False, widget=forms.Select)
    currency = forms.ModelChoiceField(
        Currency.objects.filter(is_active=True), label=_("Currency"), required=False
    )
    prices_include_vat = forms.BooleanField(label=_("Prices include VAT"), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _control(self)


LINE_FIELDS = ("product", "description", "quantity", "price", "discount_percent", "vat_rate")


def lines_from_post(data: Any) -> list[dict[str, Any]]:
    """The lines editor posts each column as a list (``line_product``, ...); empty rows
    are skipped. A blank VAT rate on a product line takes the product's rate."""
    columns = {name: data.getlist(f"line_{name}") for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    lines = []
    for index in range(count):
        row = {
            name: (values[index] if index < len(values) else "").strip()
            for name, values in columns.items()
        }
        if not row["product"] and not row["description"] and not row["price"]:
            continue
        line: dict[str, Any] = {
            "product": row["product"] or None,
            "description": row["description"],
            "quantity": row["quantity"] or "1",
            "price": row["price"] or "0",
            "discount_percent": row["discount_percent"] or "0",
        }
        if row["vat_rate"] or not row["product"]:
            line["vat_rate"] = row["vat_rate"] or None
        lines.append(line)
    return lines


class PaymentForm(forms.Form):
    client = forms.UUIDField(label=_("Client"), widget=forms.Select)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    currency = forms.ModelChoiceField(
        Currency.objects.filter(is_active=True), label=_("Currency"), required=False
    )
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"), label=_("Organisation"), required=False
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    auto_allocate = forms.BooleanField(
        label=_("Allocate the rest to the oldest open invoices"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _control(self)


def allocations_from_post(data: Any) -> list[dict[str, Any]]:
    """``alloc_<invoice id>`` = amount, for each open invoice the user filled in."""
    return [
        {"invoice": key.removeprefix("alloc_"), "amount": value.strip()}
        for key, value in data.items()
        if key.startswith("alloc_") and value.strip()
    ]


class NumberSeriesForm(forms.Form):
    prefix = forms.CharField(
        label=_("Prefix"),
        required=False,
        max_length=30,
        help_text=_("{year} is replaced by the invoice's year."),
    )
    next_number = forms.IntegerField(label=_("Next number"), min_value=1)
    padding = forms.IntegerField(label=_("Digits"), min_value=0, max_value=12)
    yearly_reset = forms.BooleanField(label=_("Start again every year"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _control(self)


class EmailForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=2000)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=300)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _control(self)
