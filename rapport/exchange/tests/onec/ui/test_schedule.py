"""The scheduler: every minute it starts each active connection whose interval has passed,
once, and never a CommerceML one; ``onec_run <code>`` runs one now and prints its counts."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rapport.exchange import tasks
from rapport.exchange.models import Connection, SessionStatus
from rapport.exchange.onec import schedule
from rapport.exchange.onec.sessions import session_count, session_finish, session_open

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def pull(connection, actor=None):
    """A small real runner: one session with counts, finished (as a channel's job does)."""
    session = session_open(connection=connection, channel="pull", user=actor)
    session_count(session, {"created": 2, "updated": 1, "unchanged": 4, "rejected": 0})
    return session_finish(session=session, ok=True)


@pytest.fixture
def runners(monkeypatch):
    monkeypatch.setitem(schedule.RUNNERS, "odata", pull)
    monkeypatch.setitem(schedule.RUNNERS, "enterprisedata", pull)


def _ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def test_task_starts_due_connections_only(runners, exchanger):
    due_never_ran = make_connection(kind="odata", code="a", schedule_minutes=15)
    due_old = make_connection(
        kind="enterprisedata",
        code="b",
        schedule_minutes=15,
        last_run_at=_ago(16),
        run_as=exchanger,
    )
    not_yet = make_connection(kind="odata", code="c", schedule_minutes=15, last_run_at=_ago(5))
    manual = make_connection(kind="odata", code="d", schedule_minutes=None)
    inactive = make_connection(kind="odata", code="e", schedule_minutes=1, is_active=False)
    commerceml = make_connection(kind="commerceml", code="f", schedule_minutes=1)

    assert tasks.run_due_connections() == 2
    assert due_old.sessions.get().user == exchanger  # the connection's "acts as" user
    ran = set(Connection.objects.filter(sessions__isnull=False).values_list("code", flat=True))
    assert ran == {due_never_ran.code, due_old.code}
    for idle in (not_yet, manual, inactive, commerceml):
        assert not idle.sessions.exists()
    # Just ran: nothing is due a minute later.
    assert tasks.run_due_connections() == 0
    assert Connection.objects.get(code="a").sessions.count() == 1


def test_due_again_after_the_interval(runners):
    connection = make_connection(kind="odata", code="a", schedule_minutes=10)
    now = timezone.now()
    assert [c.code for c, _ in schedule.run_due_connections(now)] == ["a"]
    assert schedule.run_due_connections(now + timedelta(minutes=9)) == []
    assert [c.code for c, _ in schedule.run_due_connections(now + timedelta(minutes=11))] == ["a"]
    assert connection.sessions.count() == 2


def test_connection_claimed_by_another_process_is_skipped(runners):
    connection = make_connection(kind="odata", code="a", schedule_minutes=10)
    [due] = schedule.due_connections()
    # Another beat process claims it between our read and our claim.
    Connection.objects.filter(pk=connection.pk).update(last_run_at=timezone.now())
    assert not schedule._claim(due, timezone.now())
    assert not connection.sessions.exists()


def test_a_failing_runner_does_not_stop_the_others(monkeypatch):
    def broken(connection, actor=None):
        raise RuntimeError("1C is down")

    monkeypatch.setitem(schedule.RUNNERS, "odata", broken)
    monkeypatch.setitem(schedule.RUNNERS, "enterprisedata", pull)
    make_connection(kind="odata", code="a", schedule_minutes=5)
    make_connection(kind="enterprisedata", code="b", schedule_minutes=5)
    started = schedule.run_due_connections()
    assert [c.code for c, _ in started] == ["b"]
    # The broken one waits for its next interval instead of being retried every minute.
    assert Connection.objects.get(code="a").last_run_at is not None


def test_runner_by_dotted_path(monkeypatch):
    monkeypatch.setitem(schedule.RUNNERS, "odata", f"{__name__}.pull")
    assert schedule.runner_for("odata") is pull
    monkeypatch.setitem(schedule.RUNNERS, "odata", "rapport.nowhere.run_connection")
    assert schedule.runner_for("odata") is None
    assert schedule.runner_for("commerceml") is None


def test_command_runs_one_connection_and_prints_counts(runners):
    make_connection(kind="odata", code="bp", schedule_minutes=None)
    out = StringIO()
    call_command("onec_run", "bp", stdout=out)
    assert out.getvalue().strip() == "bp: Done; created 2, updated 1, unchanged 4, rejected 0"
    session = Connection.objects.get(code="bp").sessions.get()
    assert session.status == SessionStatus.DONE


def test_command_refuses_unknown_and_commerceml(runners):
    make_connection(kind="commerceml", code="shop")
    with pytest.raises(CommandError, match="No 1C connection"):
        call_command("onec_run", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="started by 1C"):
        call_command("onec_run", "shop", stdout=StringIO())


def test_run_now_button(client, runners, exchanger):
    connection = make_connection(kind="odata", code="bp")
    client.force_login(exchanger)
    response = client.post(f"/exchange/connections/{connection.pk}/run/")
    assert response.status_code == 302
    assert response["Location"] == f"/exchange/log/?connection={connection.pk}"
    session = connection.sessions.get()
    assert session.user == exchanger and session.counts["created"] == 2


def test_run_now_refuses_commerceml(client, exchanger):
    connection = make_connection(kind="commerceml", code="shop")
    client.force_login(exchanger)
    response = client.post(f"/exchange/connections/{connection.pk}/run/", follow=True)
    assert not connection.sessions.exists()
    assert "cannot be started from the CRM: 1C starts them" in response.content.decode()
