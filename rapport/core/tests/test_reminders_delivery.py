"""Reminder delivery end to end: the beat task fires a due reminder and the e-mail reaches
a real SMTP server (aiosmtpd) — in-process (eager Celery), through a real Celery worker
on the embedded filesystem broker, and through a real worker on Redis."""

# ruff: noqa: S603 - the subprocesses run this project's own commands

import email
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from rapport.core import reminders
from rapport.core.models import Notification
from rapport.parties.tests.factories import ClientFactory

ROOT = Path(settings.BASE_DIR)
PYTHON = sys.executable
WORKER_WAIT = 25  # seconds for the e-mail to arrive through a worker


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = WORKER_WAIT) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


# --- (a) in-process: eager Celery, as the tests and a single process run it -----------


@pytest.mark.django_db(transaction=True)
def test_eager_delivery_through_smtp(smtp, settings, staff):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    client = ClientFactory(name="Acme Ltd", manager=staff.manager1)
    reminders.reminder_create(
        actor=staff.manager1,
        record=client,
        remind_at=timezone.now() - timedelta(minutes=1),
        note="Call about the contract",
    )
    assert reminders.fire_due_reminders.delay().get() == 1
    assert reminders.fire_due_reminders.delay().get() == 0  # twice: still one e-mail
    [message] = smtp.wait(1, timeout=5)
    time.sleep(0.3)
    assert len(smtp.messages) == 1
    assert message["Subject"] == "[Rapport] Reminder: Acme Ltd"
    assert message["To"] == staff.manager1.email
    assert smtp.envelopes[0].rcpt_tos == [staff.manager1.email]
    assert smtp.envelopes[0].mail_from == "crm@example.com"
    assert "Call about the contract" in message.get_content()
    assert Notification.objects.get(user=staff.manager1).emailed_at is not None


# --- (b), (c): a real worker process ---------------------------------------------------

SEED = textwrap.dedent(
    """
    import os
    import django
    django.setup()
    from datetime import timedelta
    from django.utils import timezone
    from rapport.core import reminders
    from rapport.core.models import Role, User
    from rapport.parties.models import Client, RelationshipStatus

    user = User.objects.create_user(
        "worker.manager", email="worker.manager@example.com", password="pw",
        role=Role.MANAGER, language="en",
    )
    client = Client.objects.create(
        name="Worker Client", search_name="worker client", name_key="worker client",
        manager=user, status=RelationshipStatus.objects.filter(code="lead").first(),
    )
    reminders.reminder_create(
        actor=user, record=client, remind_at=timezone.now() - timedelta(minutes=1), note="Ping"
    )

    # Send the beat's task the way beat does, twice: messages on the broker.
    from rapport.celery import app
    app.conf.task_default_queue = os.environ["RAPPORT_TEST_QUEUE"]
    app.send_task("core.fire_due_reminders")
    app.send_task("core.fire_due_reminders")
    """
)

# A worker consuming only this test's queue (its e-mail task goes to the same queue), so
# that parallel runs sharing a Redis database cannot take each other's messages.
WORKER = textwrap.dedent(
    """
    import os, sys
    from rapport.celery import app
    app.conf.task_default_queue = os.environ["RAPPORT_TEST_QUEUE"]
    app.worker_main(["worker", *sys.argv[1:]])
    """
)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database file (made once; each test works on a copy)."""
    folder = tmp_path_factory.mktemp("worker-template")
    path = folder / "template.sqlite3"
    env = _env(folder, path)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return path


def _env(folder: Path, database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="rapport.settings",
        RAPPORT_TESTING="1",
        CELERY_TASK_ALWAYS_EAGER="0",
        AXES_ENABLED="0",
        DEBUG="0",
        RAPPORT_VAR_DIR=str(folder / "var"),
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def _deliver_through_worker(tmp_path, migrated_sqlite, smtp, **extra_env):
    database = tmp_path / "worker.sqlite3"
    shutil.copy(migrated_sqlite, database)
    env = _env(
        tmp_path,
        database,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        RAPPORT_TEST_QUEUE=f"rapport-test-{uuid.uuid4().hex}",
        **extra_env,
    )
    subprocess.run([PYTHON, "-c", SEED], cwd=ROOT, env=env, check=True, timeout=60)
    worker = subprocess.Popen(
        [
            PYTHON,
            "-c",
            WORKER,
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        messages = smtp.wait(1)
        if not messages:
            worker.terminate()
            output = worker.communicate(timeout=10)[0].decode(errors="replace")
            pytest.fail(f"No e-mail arrived through the worker. Worker output:\n{output[-3000:]}")
        time.sleep(1.5)  # the second beat run must not send a second e-mail
        return messages
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def _assert_reminder_mail(messages):
    assert len(messages) == 1
    [message] = messages
    assert message["Subject"] == "[Rapport] Reminder: Worker Client"
    assert message["To"] == "worker.manager@example.com"
    assert "Ping" in message.get_content()


def test_worker_on_embedded_filesystem_broker(tmp_path, migrated_sqlite, smtp):
    messages = _deliver_through_worker(tmp_path, migrated_sqlite, smtp)
    _assert_reminder_mail(messages)


def _redis_url() -> str:
    return os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def test_worker_on_redis(tmp_path, migrated_sqlite, smtp):
    url = _redis_url()
    if not _redis_reachable(url):
        pytest.skip(f"Redis is not reachable at {url} (set RAPPORT_TEST_REDIS_URL)")
    messages = _deliver_through_worker(tmp_path, migrated_sqlite, smtp, REDIS_URL=url)
    _assert_reminder_mail(messages)
