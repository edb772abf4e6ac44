"""Audit of logins and failed logins (Django's auth signals)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    from .services import audit_record

    audit_record(event=AuditEvent.LOGIN, actor=user, ip_address=_ip(request))


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    from .services import audit_record

    if user is not None:
        audit_record(event=AuditEvent.LOGOUT, actor=user, ip_address=_ip(request))


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    from .services import audit_record

    audit_record(
        event=AuditEvent.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip_address=_ip(request),
    )
