"""Settings pages of interactions (administrators only; others get a 404): interaction
types, interaction templates and the interest catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import forms, selectors, settings_services
from ..models import InteractionTemplate, InteractionType, Interest
from ._common import apply_errors


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_administrator:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
@require_GET
def interaction_settings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "interactions/settings.html",
        {
            "types": selectors.interaction_types(active_only=False),
            "templates": selectors.interaction_templates(active_only=False),
            "catalogue": selectors.interest_catalogue(active_only=False),
        },
    )


# kind -> (model, form, service, title of a new one)
_KINDS: dict[str, tuple[Any, Any, Any, Any]] = {
    "type": (
        InteractionType,
        forms.InteractionTypeForm,
        settings_services.interaction_type_save,
        gettext_lazy("New interaction type"),
    ),
    "template": (
        InteractionTemplate,
        forms.InteractionTemplateForm,
        settings_services.interaction_template_save,
        gettext_lazy("New interaction template"),
    ),
    "interest": (
        Interest,
        forms.InterestForm,
        settings_services.interest_save,
        gettext_lazy("New interest"),
    ),
}


@admin_required
@require_http_methods(["GET", "POST"])
def setting_edit(request: HttpRequest, kind: str, pk: uuid.UUID | None = None) -> HttpResponse:
    """Create (no ``pk``) or change a type, a template or a catalogue entry."""
    if kind not in _KINDS:
        raise Http404
    model, form_class, save, new_title = _KINDS[kind]
    instance = get_object_or_404(model, pk=pk) if pk else None
    if request.method == "POST":
        form = form_class(request.POST, instance=instance)
        if form.is_valid():
            try:
                saved = save(actor=request.user, instance=instance, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": saved})
                return redirect("interactions:settings")
    else:
        form = form_class(instance=instance)
    return render(
        request,
        "interactions/setting_form.html",
        {"form": form, "title": str(instance) if instance else new_title, "kind": kind},
        status=422 if form.errors else 200,
    )
