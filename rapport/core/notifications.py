"""Notifications: messages to one user, shown under the bell and e-mailed.

Other apps call ``notify(user=..., kind=..., title=...)``; the user's preferences
(per kind and channel, with defaults) decide whether it is shown in the browser, e-mailed,
or dropped. E-mail goes out after commit in a Celery task, in the recipient's language.
A ``dedupe_key`` makes a notification idempotent: a beat task run twice notifies once.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from . import access
from .models import Notification, NotificationChannel, NotificationPreference, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    label: str | Promise
    browser: bool = True
    email: bool = True


_kinds: dict[str, NotificationKind] = {}


def register_kind(
    kind: str, label: str | Promise, *, browser: bool = True, email: bool = True
) -> None:
    """Make a kind of notification known (its label shows in the users' settings);
    ``browser`` and ``email`` are the defaults of users who have not chosen."""
    _kinds[kind] = NotificationKind(kind=kind, label=label, browser=browser, email=email)


def kinds() -> list[NotificationKind]:
    return list(_kinds.values())


def kind_label(kind: str) -> str:
    entry = _kinds.get(kind)
    return str(entry.label) if entry else kind


register_kind("task_new", gettext_lazy("New task for me"))
register_kind("task_returned", gettext_lazy("My task was returned"))
register_kind("task_done", gettext_lazy("A task I gave is done"), email=False)
register_kind("task_overdue", gettext_lazy("Overdue task"))
register_kind("event_invite", gettext_lazy("Invitation to an event"))
register_kind("event_soon", gettext_lazy("Event soon"), email=False)
register_kind("reminder", gettext_lazy("Reminder"))

access.register(
    Notification,
    visible=lambda actor, qs: qs.filter(user=actor),
    editable=lambda actor, notification: notification.user_id == actor.pk,
)


# --- preferences ----------------------------------------------------------------------


def preferences(user: User) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) of the registered kinds → on/off, defaults filled in."""
    result = {}
    for entry in _kinds.values():
        result[(entry.kind, NotificationChannel.BROWSER.value)] = entry.browser
        result[(entry.kind, NotificationChannel.EMAIL.value)] = entry.email
    for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
        "kind", "channel", "enabled"
    ):
        result[(kind, channel)] = enabled
    return result


def channels_for(user: User, kind: str) -> tuple[bool, bool]:
    """(browser, e-mail) for one kind: the user's choice or the kind's default."""
    entry = _kinds.get(kind, NotificationKind(kind=kind, label=kind))
    browser, email = entry.browser, entry.email
    for channel, enabled in NotificationPreference.objects.filter(user=user, kind=kind).values_list(
        "channel", "enabled"
    ):
        if channel == NotificationChannel.BROWSER:
            browser = enabled
        elif channel == NotificationChannel.EMAIL:
            email = enabled
    return browser, email


def notification_preferences_save(*, actor: User, enabled: Iterable[tuple[str, str]]) -> None:
    """Store the actor's choice: ``enabled`` lists the (kind, channel) pairs that are on;
    every other pair of a registered kind is off."""
    chosen = set(enabled)
    with transaction.atomic():
        for entry in _kinds.values():
            for channel in NotificationChannel.values:
                NotificationPreference.objects.update_or_create(
                    user=actor,
                    kind=entry.kind,
                    channel=channel,
                    defaults={"enabled": (entry.kind, channel) in chosen},
                )


# --- sending --------------------------------------------------------------------------


def notify(
    *,
    user: User,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    record: Model | None = None,
    dedupe_key: str = "",
) -> Notification | None:
    """Notify ``user``: store the notification (shown under the bell when the user wants
    ``kind`` in the browser) and e-mail it after commit when the user wants it by e-mail.

    Answers None when the user turned ``kind`` off on every channel (or is inactive).
    With a ``dedupe_key`` a second call answers the first notification and sends nothing.
    Lazy texts are rendered in the recipient's language.
    """
    if not user.is_active:
        return None
    browser, email = channels_for(user, kind)
    if not (browser or email):
        return None
    if dedupe_key:
        existing = Notification.objects.filter(user=user, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title_text, body_text = str(title)[:300], str(body)
    notification = Notification(
        user=user,
        kind=kind,
        title=title_text,
        body=body_text,
        url=url[:500],
        in_browser=browser,
        email_wanted=bool(email and user.email),
        dedupe_key=dedupe_key[:200],
    )
    if record is not None:
        notification.content_type = ContentType.objects.get_for_model(record)
        notification.object_id = str(record.pk)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        if not dedupe_key:
            raise
        return Notification.objects.get(user=user, dedupe_key=dedupe_key[:200])
    if notification.email_wanted:
        notification_id = str(notification.pk)
        transaction.on_commit(lambda: send_notification_email.delay(notification_id), robust=True)
    return notification


def absolute_url(path: str) -> str:
    if not path or "://" in path:
        return path
    return f"{settings.RAPPORT_SITE_URL}{path}"


@shared_task(
    name="core.send_notification_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: str) -> bool:
    """E-mail one notification (once: a re-run after success sends nothing)."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.email_wanted or not notification.user.email:
        return False
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    user = notification.user
    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "user": user,
                "notification": notification,
                "kind_label": kind_label(notification.kind),
                "link": absolute_url(notification.url),
                "settings_link": absolute_url(reverse("core:notification_settings")),
            }
            subject = render_to_string("core/notifications/email_subject.txt", context)
            message = render_to_string("core/notifications/email.txt", context)
        send_mail(
            " ".join(subject.split()),
            message,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception:
        # Not sent: let the retry (or a later run) try again.
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


# --- reading and marking --------------------------------------------------------------


def notifications_for(
    *, actor: User, unread: bool = False, kind: str = "", before: datetime | None = None
) -> QuerySet[Notification]:
    """The actor's notifications shown in the browser, newest first."""
    qs = access.visible_to(actor, Notification).filter(in_browser=True)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    return qs.order_by("-created_at", "-id")


def unread_count(*, actor: User) -> int:
    return notifications_for(actor=actor, unread=True).count()


def notification_get(*, actor: User, pk: Any) -> Notification:
    return access.get_visible_or_404(actor, Notification, pk)


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (a second call changes nothing)."""
    notification = access.get_visible_or_404(actor, Notification, notification.pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; answers how many."""
    return (
        access.visible_to(actor, Notification)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
