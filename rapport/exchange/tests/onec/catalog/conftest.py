"""Fixtures of the CommerceML catalogue tests: a connection acting as the administrator,
a session, and a job whose Progress the import reports to."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.core import jobs
from rapport.core.models import Job, JobStatus
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec.commerceml.catalog import apply_catalog_file
from rapport.exchange.onec.sessions import session_open
from rapport.exchange.onec.sync import ExchangeRun

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "commerceml"


def sample(name: str) -> Path:
    return SAMPLES / name


@pytest.fixture
def connection(staff):
    return Connection.objects.create(
        kind=ConnectionKind.COMMERCEML, code="ut", name="УТ 11", run_as=staff.admin
    )


def new_run(connection, user) -> ExchangeRun:
    session = session_open(connection=connection, channel="catalog", user=user)
    return ExchangeRun.for_session(session)


def new_progress(user) -> jobs.Progress:
    job = Job.objects.create(kind="onec_catalog_test", created_by=user, status=JobStatus.RUNNING)
    return jobs.Progress(job)


@pytest.fixture
def run(connection, staff):
    return new_run(connection, staff.admin)


@pytest.fixture
def apply(run, staff):
    """Apply sample files (relative to samples/commerceml) in one session."""

    def do(*names: str, run_=None):
        current = run_ or run
        for name in names:
            path = Path(name) if Path(name).is_absolute() else sample(name)
            apply_catalog_file(current, path, new_progress(staff.admin))
        current.session.refresh_from_db()
        return current

    return do
