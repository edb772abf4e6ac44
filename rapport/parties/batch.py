"""Batch changes over every client matching a filter: a background job, undoable.

The selected rows of a list page change at once (``services.clients_batch``); "all clients
matching the filter" may be a million rows, so it runs as a core job that walks the
matching clients in key order, in chunks, each chunk one transaction with its checkpoint.
Every change is noted with the values it replaced, which is what undo restores.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import access, jobs
from rapport.core.models import Job, User

from . import selectors, services
from .models import Client

CHUNK = 500


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, dict | str):
        return value
    return str(value.pk)


def clients_batch_start(
    *,
    actor: User,
    action: str,
    value: Any = None,
    filters: selectors.ClientFilters | None = None,
    ids: list[Any] | None = None,
) -> Job:
    """Start ``action`` on every client matching ``filters`` (and among ``ids`` if given)
    within the actor's scope, in the background."""
    if not actor.can_write:
        raise PermissionDenied(_("Read-only users cannot change records."))
    resolved = services.batch_value(actor=actor, action=action, value=value)
    return jobs.job_start(
        actor=actor,
        kind="client_batch",
        params={
            "action": action,
            "value": _json_value(resolved),
            "filters": dataclasses.asdict(filters or selectors.ClientFilters()),
            "ids": [str(pk) for pk in ids] if ids is not None else None,
        },
        title=_("Batch change of clients: %(action)s") % {"action": action_label(action)},
    )


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))


BatchAction = services.BatchAction
_ACTION_LABELS = {
    BatchAction.ASSIGN_MANAGER: gettext_lazy("assign manager"),
    BatchAction.SET_STATUS: gettext_lazy("set status"),
    BatchAction.ADD_TAG: gettext_lazy("add category"),
    BatchAction.REMOVE_TAG: gettext_lazy("remove category"),
    BatchAction.SET_PROPERTY: gettext_lazy("set property"),
    BatchAction.CLEAR_PROPERTY: gettext_lazy("clear property"),
    BatchAction.TRASH: gettext_lazy("move to trash"),
}


def matching_clients(actor: User, params: dict[str, Any]) -> QuerySet[Client]:
    """The clients a batch covers: the filter's matches (among the ids) in the scope, in key
    order (the walk's checkpoint is the last key done)."""
    filters = selectors.ClientFilters(**params.get("filters", {}))
    qs = selectors.client_list(actor=actor, filters=filters)
    if params.get("ids") is not None:
        qs = qs.filter(pk__in=params["ids"])
    return qs.select_related(None).order_by("pk")


@jobs.handler("client_batch", label=gettext_lazy("Batch change of clients"), undoable=True)
def run_client_batch(job: Job, progress: jobs.Progress) -> None:
    actor = job.created_by
    if actor is None or not actor.can_write:
        raise PermissionDenied(_("The user who started this job may no longer change clients."))
    params = job.params
    action = params["action"]
    value = services.batch_value(actor=actor, action=action, value=params["value"])
    clients = matching_clients(actor, params)
    if job.total is None:
        progress.set_total(clients.count())
    last = job.state.get("last")
    while True:
        chunk = list((clients.filter(pk__gt=last) if last else clients)[:CHUNK])
        if not chunk:
            break
        with transaction.atomic():
            for client in chunk:
                if not access.can_edit(actor, client):
                    progress.count("skipped")
                elif before := services.client_batch_apply(
                    actor=actor, client=client, action=action, value=value
                ):
                    progress.note_updated(client, before)
                    progress.count("changed")
                else:
                    progress.count("unchanged")
            last = str(chunk[-1].pk)
            progress.advance(len(chunk), state={"last": last})
            progress.flush(force=True)
