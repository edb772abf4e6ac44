"""Exchange sessions: the exchange log's entries and the files kept with them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from rapport.core.models import User
from rapport.exchange.models import (
    Connection,
    ExchangeFile,
    ExchangeSession,
    FileDirection,
    SessionStatus,
)

# A CommerceML cookie stays valid this long after the session started.
TOKEN_LIFETIME = timedelta(hours=12)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_open(
    *, connection: Connection, channel: str, user: User | None, version: str = ""
) -> ExchangeSession:
    """Start a logged session. ``session.token`` (not stored, only its hash is) is the
    secret a CommerceML client presents as its cookie on later requests."""
    token = secrets.token_urlsafe(32)
    session = ExchangeSession.objects.create(
        connection=connection,
        channel=channel,
        user=user,
        version=version,
        token_hash=token_hash(token),
        counts={"created": 0, "updated": 0, "unchanged": 0, "rejected": 0},
    )
    session.token = token  # type: ignore[attr-defined]
    return session


def session_for_token(token: str) -> ExchangeSession | None:
    """The session a cookie belongs to, if it is recent enough and its user still active."""
    if not token:
        return None
    session = (
        ExchangeSession.objects.select_related("connection", "user")
        .filter(token_hash=token_hash(token), started_at__gte=timezone.now() - TOKEN_LIFETIME)
        .first()
    )
    if session is None or session.user is None or not session.user.may_exchange:
        return None
    return session


def session_add_file(
    *,
    session: ExchangeSession,
    name: str,
    path: str | Path | None = None,
    content: bytes | IO[bytes] | None = None,
    direction: str = FileDirection.IN,
) -> ExchangeFile:
    """Keep a copy of a file of the session for the log (the name is kept as given)."""
    record = ExchangeFile(session=session, direction=direction, name=name[:255])
    storage_name = Path(name).name or "file"
    if path is not None:
        with open(path, "rb") as handle:
            record.file.save(storage_name, File(handle), save=False)
    elif isinstance(content, bytes):
        record.file.save(storage_name, ContentFile(content), save=False)
    elif content is not None:
        record.file.save(storage_name, File(content), save=False)
    else:
        raise ValueError("session_add_file needs a path or content")
    record.size = record.file.size
    record.save()
    return record


def session_count(session: ExchangeSession, counts: dict[str, int]) -> None:
    """Add to the session's counters (created/updated/unchanged/rejected)."""
    if not any(counts.values()):
        return
    session.refresh_from_db(fields=["counts"])
    merged = dict(session.counts or {})
    for key, value in counts.items():
        merged[key] = merged.get(key, 0) + value
    session.counts = merged
    ExchangeSession.objects.filter(pk=session.pk).update(counts=merged)


def session_running(*, session: ExchangeSession) -> None:
    ExchangeSession.objects.filter(pk=session.pk).update(status=SessionStatus.RUNNING)
    session.status = SessionStatus.RUNNING


def session_finish(*, session: ExchangeSession, ok: bool, message: str = "") -> ExchangeSession:
    session.status = SessionStatus.DONE if ok else SessionStatus.FAILED
    session.finished_at = timezone.now()
    if message:
        session.message = message
    session.save(update_fields=["status", "finished_at", "message"])
    Connection.objects.filter(pk=session.connection_id).update(last_run_at=session.finished_at)
    return session
