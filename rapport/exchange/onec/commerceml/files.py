"""The session's record of the files 1C sent (``ExchangeSession.state["cml"]``): what
init answered, the files received and whether each is complete; a complete archive is
unpacked and every complete file is kept in the exchange log."""

from __future__ import annotations

import zipfile
from typing import Any

from django.db import transaction

from rapport.exchange.models import ExchangeSession
from rapport.exchange.onec import sessions

from . import uploads
from .options import options_for

# Key of this module's part of ``ExchangeSession.state``.
STATE = "cml"

# ``state["cml"]`` holds the files received ({name: {"size", "done", "members"}}) and what
# init answered. Other keys of the state belong to the catalogue import (goods seen in a
# full upload) and are written by its jobs, so this module only ever rewrites its own key,
# under a row lock. Which import job belongs to which file is not kept here at all: the
# jobs themselves say (their params), and a file received after its job started is
# imported again.


def load_state(session: ExchangeSession) -> dict[str, Any]:
    """This module's part of the session state, fresh from the database."""
    session.refresh_from_db(fields=["state"])
    state = session.state if isinstance(session.state, dict) else {}
    session.state = state
    cml = state.setdefault(STATE, {})
    cml.setdefault("files", {})
    return cml


def save_state(session: ExchangeSession, cml: dict[str, Any]) -> None:
    with transaction.atomic():
        row = ExchangeSession.objects.select_for_update().only("state").get(pk=session.pk)
        state = row.state if isinstance(row.state, dict) else {}
        state[STATE] = cml
        ExchangeSession.objects.filter(pk=session.pk).update(state=state)
    session.state = state


def file_limit(session: ExchangeSession, cml: dict[str, Any]) -> int:
    return int(cml.get("file_limit") or options_for(session.connection)["file_limit"])


def finalise(
    session: ExchangeSession, cml: dict[str, Any], name: str, *, maybe_partial: bool = False
) -> list[str]:
    """A received file is complete: unpack it if it is an archive and keep it in the
    exchange log. Answers the names it brought (its members, or itself).

    ``maybe_partial``: only a short chunk suggested the end; an archive without its
    closing directory is then waiting for more chunks, not broken."""
    entry = cml["files"].get(name)
    if entry is None:
        return []
    if entry.get("done"):
        return list(entry.get("members") or [name])
    directory = uploads.session_dir(session)
    path = uploads.path_in(directory, name)
    if not path.is_file():
        cml["files"].pop(name, None)
        return []
    members: list[str] = []
    if uploads.is_archive(path):
        if maybe_partial and not zipfile.is_zipfile(path):
            return []
        try:
            members = uploads.unpack(path, directory, label=name)
        except uploads.UploadRefused:
            cml["files"].pop(name, None)
            path.unlink(missing_ok=True)
            raise
        entry["members"] = members
    logged = sessions.session_add_file(session=session, name=name, path=path)
    entry["logged"] = str(logged.pk)
    entry["done"] = True
    return members or [name]


def finalise_pending(session: ExchangeSession, cml: dict[str, Any], *, but: str = "") -> bool:
    """Finalise every file still open (except ``but``); answers whether any was."""
    pending = [n for n, e in cml["files"].items() if n != but and not e.get("done")]
    for name in pending:
        finalise(session, cml, name)
    return bool(pending)
