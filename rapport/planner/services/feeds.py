"""The secret iCalendar feed URL of a user: issue (or regenerate) and revoke."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.models import User

from ..models import CalendarFeedToken


def feed_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def feed_token_issue(*, actor: User, user: User | None = None) -> str:
    """A new secret for ``user``'s feed (the old URL stops working); answers the secret,
    which is shown once: only its hash is stored."""
    user = user or actor
    if actor.pk != user.pk and not actor.is_administrator:
        raise PermissionDenied(_("You may not issue this feed."))
    key = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(
        user=user,
        defaults={
            "key_hash": feed_key_hash(key),
            "prefix": key[:8],
            "created_at": timezone.now(),
            "last_used_at": None,
        },
    )
    return key


def feed_token_revoke(*, actor: User, user: User | None = None) -> None:
    user = user or actor
    if actor.pk != user.pk and not actor.is_administrator:
        raise PermissionDenied(_("You may not revoke this feed."))
    CalendarFeedToken.objects.filter(user=user).delete()


def feed_token_user(*, key: str) -> User | None:
    """The active user whose feed ``key`` opens, or None (unknown or revoked)."""
    if not key:
        return None
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(key_hash=feed_key_hash(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
