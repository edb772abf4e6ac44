"""Who is talking to the CommerceML exchange: ``mode=checkauth`` (Basic auth of an active
user with the exchange permission, answered with the session cookie) and the session of
every later request (by cookie, else by Basic auth). A new checkauth closes the sessions of
the same kind 1C left open once their imports are over."""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.models import User
from rapport.exchange.models import Connection, ExchangeSession, SessionStatus
from rapport.exchange.onec import sessions

from . import uploads
from .answers import failure, success
from .import_jobs import FAILED, RUNNING, latest_jobs

COOKIE_NAME = "rapport_1c"


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(login, password) from the Basic header, also where Apache CGI/FastCGI rewrites it."""
    for key in ("HTTP_AUTHORIZATION", "REDIRECT_HTTP_AUTHORIZATION"):
        value = request.META.get(key, "").strip()
        scheme, _sep, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            continue
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "", ""
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Older 1C versions encode a Cyrillic login in the Windows code page.
            decoded = raw.decode("windows-1251", errors="replace")
        login, _sep, password = decoded.partition(":")
        return login, password
    return None


class Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def user_from_basic(request: HttpRequest, credentials: tuple[str, str]) -> User:
    login, password = credentials
    user = authenticate(request, username=login, password=password) if login else None
    if user is None and getattr(request, "axes_locked_out", False):
        # django-axes would answer with an HTML page; 1C shows only plain text.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise Refused(
            failure(
                _("Too many failed logins for “%(login)s”; 1C may try again later.")
                % {"login": login},
                status=429,
            )
        )
    if user is None:
        response = failure(
            _("Wrong login or password, or the user is inactive: 1C cannot log in to the CRM."),
            status=401,
        )
        response["WWW-Authenticate"] = 'Basic realm="1C exchange", charset="UTF-8"'
        raise Refused(response)
    if not user.may_exchange:
        with translation.override(user.language or translation.get_language()):
            raise Refused(
                failure(
                    _(
                        "The user “%(user)s” has no permission to exchange data with 1C; an "
                        "administrator grants it in the user's settings."
                    )
                    % {"user": user.get_username()},
                    status=403,
                )
            )
    return user


def ask_for_login() -> HttpResponse:
    response = failure(
        _("Log in first: 1C must send the login and password (mode=checkauth)."), status=401
    )
    response["WWW-Authenticate"] = 'Basic realm="1C exchange", charset="UTF-8"'
    return response


def session_for(request: HttpRequest, connection: Connection, channel: str) -> ExchangeSession:
    """The session of a request after checkauth: by cookie, else by Basic auth (the user's
    latest open session of this exchange, or a new one)."""
    token = request.COOKIES.get(COOKIE_NAME, "")
    session = sessions.session_for_token(token) if token else None
    if session is not None and session.connection_id == connection.pk:
        if session.channel == channel:
            return session
        if request.META.get("HTTP_AUTHORIZATION") is None:
            raise Refused(
                failure(
                    _(
                        "This session was opened for type=%(opened)s; log in again "
                        "(mode=checkauth) for type=%(asked)s."
                    )
                    % {"opened": session.channel, "asked": channel},
                    status=401,
                )
            )
    credentials = basic_credentials(request)
    if credentials is None:
        if token:
            raise Refused(
                failure(
                    _(
                        "The exchange session is unknown or has expired, or the user lost "
                        "the exchange permission; log in again (mode=checkauth)."
                    ),
                    status=401,
                )
            )
        raise Refused(ask_for_login())
    user = user_from_basic(request, credentials)
    recent = (
        ExchangeSession.objects.select_related("connection", "user")
        .filter(
            connection=connection,
            channel=channel,
            user=user,
            status__in=[SessionStatus.OPEN, SessionStatus.RUNNING],
            started_at__gte=timezone.now() - sessions.TOKEN_LIFETIME,
        )
        .order_by("-started_at")
        .first()
    )
    if recent is not None:
        return recent
    return sessions.session_open(connection=connection, channel=channel, user=user)


def close_previous(connection: Connection, channel: str) -> None:
    """1C runs one exchange of a kind at a time: a new checkauth ends earlier sessions left
    open (older 1C versions never send ``complete``) once their imports are over."""
    earlier = ExchangeSession.objects.select_related("connection").filter(
        connection=connection,
        channel=channel,
        status__in=[SessionStatus.OPEN, SessionStatus.RUNNING],
    )
    for session in earlier:
        statuses = {job.status for job in latest_jobs(session).values()}
        if statuses & set(RUNNING):
            continue
        sessions.session_finish(
            session=session,
            ok=not statuses & set(FAILED),
            message=_("Closed when 1C started its next exchange."),
        )
        uploads.remove(session)


def checkauth(request: HttpRequest, connection: Connection, channel: str) -> HttpResponse:
    credentials = basic_credentials(request)
    if credentials is None:
        return ask_for_login()
    user = user_from_basic(request, credentials)
    close_previous(connection, channel)
    session = sessions.session_open(connection=connection, channel=channel, user=user)
    return success(COOKIE_NAME, session.token)  # type: ignore[attr-defined]
