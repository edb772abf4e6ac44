"""Forms of the import wizard (they only parse input; the services check it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .readers import DELIMITERS, ENCODINGS

_ENCODING_CHOICES = [("", _("Detect")), *[(e, e) for e in ENCODINGS]]
_DELIMITER_LABELS = {",": _("Comma"), ";": _("Semicolon"), "\t": _("Tab"), "|": _("Bar |")}
MATCH_CHOICES = [
    ("none", _("Always create new records")),
    ("id", _("Rapport id")),
    ("external_id", _("External id")),
    ("tax_id", _("Tax id")),
    ("email", _("E-mail")),
    ("phone", _("Phone")),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (XLSX, CSV or vCard)"))
    target = forms.ChoiceField(
        label=_("Import into"),
        choices=[("clients", _("Clients")), ("contacts", _("Contact persons"))],
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=_ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(
        label=_("Delimiter"),
        choices=[("", _("Detect")), *[(d, _DELIMITER_LABELS[d]) for d in DELIMITERS]],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-control" if name == "file" else "form-select"
            field.widget.attrs["class"] = css


class MappingForm(forms.Form):
    """One select per file column (``col-<n>``) and the options of the run."""

    match_on = forms.ChoiceField(
        label=_("Update existing records matched by"), choices=MATCH_CHOICES
    )
    external_system = forms.CharField(
        label=_("External id system"), max_length=64, initial="import"
    )
    on_error = forms.ChoiceField(
        label=_("Rows with problems"),
        choices=[
            ("skip", _("Skip them, import the rest")),
            ("stop", _("Stop: import nothing if any row has a problem")),
        ],
    )
    template_name = forms.CharField(
        label=_("Save this mapping as a template named"), max_length=100, required=False
    )

    def __init__(self, *args, headers: list[str], choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        options = [("", _("— skip this column —")), *choices]
        for index, header in enumerate(headers):
            self.fields[f"col-{index}"] = forms.ChoiceField(
                label=header or _("(no header)"), choices=options, required=False
            )
        for field in self.fields.values():
            css = "form-control" if isinstance(field.widget, forms.TextInput) else "form-select"
            field.widget.attrs["class"] = css

    def column_fields(self):
        return [self[f"col-{i}"] for i in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col-{i}") or "" for i, h in enumerate(self.headers)}
