"""Forms of the documents pages (parsing only; the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import BootstrapMixin

from . import registry
from .models import DocumentKind, DocumentLanguage


def _target_choices() -> list[tuple[str, str]]:
    return [(t.key, str(t.label)) for t in registry.targets()]


class TemplateUploadForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    target = forms.ChoiceField(label=_("Used for"), choices=())
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=DocumentLanguage.choices)
    file = forms.FileField(label=_("DOCX file"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _target_choices()
        self.fields["file"].widget.attrs["accept"] = (
            ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )


class TemplateFileForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("New version (DOCX)"))


class GenerateForm(BootstrapMixin, forms.Form):
    template = forms.UUIDField(label=_("Template"))


class SendForm(BootstrapMixin, forms.Form):
    to = forms.CharField(
        label=_("To"),
        max_length=2000,
        help_text=_("E-mail addresses, separated by commas."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    attach_docx = forms.BooleanField(label=_("Attach DOCX"), required=False, initial=True)
    attach_pdf = forms.BooleanField(label=_("Attach PDF"), required=False, initial=True)
