"""Duplicate pages: the review queue, the scan button, the merge wizard and undo.
Thin: parse, call one service or selector of ``duplicate_queue``, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import duplicate_queue as queue
from ..access import can_see_contact_details, can_see_details
from ..merge import FIELDS, default_sources
from ..models import Address, ContactPoint, DuplicateTarget


def _uuids(values: list[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except (ValueError, TypeError):
            continue
    return out


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    target = queue.parse_target(request.GET.get("target"))
    min_score = queue.parse_score(request.GET.get("min_score"), 0.6)
    pairs, cursor = queue.duplicate_pairs_page(
        actor=request.user, target=target, min_score=min_score, after=request.GET.get("after", "")
    )
    return render(
        request,
        "parties/duplicates/list.html",
        {
            "rows": queue.pair_rows(pairs, actor=request.user, target=target),
            "target": target,
            "targets": DuplicateTarget.choices,
            "min_score": min_score,
            "next_cursor": cursor,
            "can_scan": queue.can_start_scan(request.user),
            "last_scan": queue.last_scan(actor=request.user),
            "recent_merges": queue.recent_merges(actor=request.user, limit=5),
        },
    )


@login_required
@require_POST
def duplicate_scan(request: HttpRequest) -> HttpResponse:
    job = queue.duplicate_scan_start(actor=request.user)
    messages.info(request, _("The duplicate scan runs in the background."))
    return redirect("core:job_detail", pk=job.pk)


@login_required
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    pair = queue.duplicate_pair_get(actor=request.user, pk=pk)
    queue.duplicate_dismiss(actor=request.user, pair=pair)
    messages.success(request, _("Marked as not a duplicate."))
    target = "contacts" if pair.target == DuplicateTarget.CONTACT else "clients"
    return redirect(f"{reverse('duplicates:list')}?target={target}")


def _field_rows(records: list[Any], target: str, picks: dict[str, Any], actor: Any) -> list[dict]:
    rows = []
    for name in FIELDS[target]:
        field = records[0]._meta.get_field(name)
        cells = []
        for record in records:
            value = getattr(record, name)
            if name == "properties":
                hidden = not record.details_visible
                value = (
                    _("hidden")
                    if hidden
                    else "; ".join(f"{k}: {v}" for k, v in (value or {}).items() if v)
                )
            elif field.choices:
                value = getattr(record, f"get_{name}_display")()
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            cells.append(
                {"record": record, "value": value, "checked": str(picks[name]) == str(record.pk)}
            )
        rows.append({"name": name, "label": field.verbose_name, "cells": cells})
    return rows


def _detail_rows(records: list[Any], target: str) -> list[dict]:
    fk = "client" if target == DuplicateTarget.CLIENT else "contact"
    rows = []
    for record in records:
        items = [
            (p.pk, f"{p.get_channel_display()}: {p.value}")
            for p in ContactPoint.objects.filter(**{fk: record})
        ] + [(a.pk, f"{_('Address')}: {a}") for a in Address.objects.filter(**{fk: record})]
        rows.append(
            {
                "record": record,
                "items": items if record.details_visible else [],
                "hidden": not record.details_visible,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def merge_wizard(request: HttpRequest) -> HttpResponse:
    """Records side by side: the survivor, a value per field, the details to keep."""
    data = request.POST if request.method == "POST" else request.GET
    target = queue.parse_target(data.get("target"))
    ids = _uuids(data.getlist("ids"))[:5]
    survivor = data.get("survivor") or (str(ids[0]) if ids else "")
    ordered = [i for i in ids if str(i) == survivor] + [i for i in ids if str(i) != survivor]
    try:
        records = queue.merge_candidates(actor=request.user, target=target, ids=ordered)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duplicates:list")
    errors: list[str] = []
    if request.method == "POST":
        fields = {n: data.get(f"field_{n}") for n in FIELDS[target] if data.get(f"field_{n}")}
        keep = set(data.getlist("keep"))
        offered = set(data.getlist("offered"))
        try:
            done = queue.merge_start(
                actor=request.user,
                target=target,
                survivor=records[0].pk,
                merged=[r.pk for r in records[1:]],
                fields=fields,
                drop_details=sorted(offered - keep),
            )
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied as exc:
            errors = [str(exc) or _("You may not merge these records.")]
        else:
            messages.success(request, _("The records were merged."))
            return redirect("duplicates:merge_detail", pk=done.pk)
    for record in records:
        record.details_visible = (
            can_see_details(request.user, record)
            if target == DuplicateTarget.CLIENT
            else can_see_contact_details(request.user, record)
        )
    picks = default_sources(records, target)
    return render(
        request,
        "parties/duplicates/merge.html",
        {
            "target": target,
            "records": records,
            "ids": [str(r.pk) for r in records],
            "field_rows": _field_rows(records, target, picks, request.user),
            "detail_rows": _detail_rows(records, target),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def merge_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    merge = queue.merge_get(actor=request.user, pk=pk)
    detail = (
        "parties:client_detail"
        if merge.target == DuplicateTarget.CLIENT
        else "parties:contact_detail"
    )
    return render(
        request,
        "parties/duplicates/merge_detail.html",
        {"merge": merge, "survivor_url": reverse(detail, args=[merge.survivor_id])},
    )


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    merge = queue.merge_get(actor=request.user, pk=pk)
    try:
        queue.merge_undo_by(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("duplicates:merge_detail", pk=merge.pk)
