"""Fixtures of the CommerceML endpoint tests: the user 1C logs in as, a connection, the
working folders in a temporary directory, and the 1C emulator over Django's test client."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.exchange.models import Connection, ConnectionKind

from ..emulator import OneCClient

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "commerceml"
PASSWORD = "s3cret-1c"


def sample(name: str) -> Path:
    return SAMPLES / name


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(autouse=True)
def exchange_dirs(settings, tmp_path):
    """Uploads and kept files go to a temporary folder."""
    settings.ONEC_UPLOAD_DIR = str(tmp_path / "onec")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def one_c_user(db):
    # A director may change the catalogue; can_exchange lets it log in as 1C.
    user = UserFactory(username="1c-exchange", role=Role.DIRECTOR, can_exchange=True)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def connection(one_c_user):
    return Connection.objects.create(
        kind=ConnectionKind.COMMERCEML,
        code="ut",
        name="УТ 11",
        run_as=one_c_user,
        default_manager=one_c_user,
        options={"zip": False},
    )


@pytest.fixture
def endpoint():
    return reverse("onec_cml:exchange")


@pytest.fixture
def one_c(connection, endpoint):
    """1C over Django's test client."""
    return OneCClient(Client(), login="1c-exchange", password=PASSWORD, url=endpoint)


def upload_dir(settings, session) -> Path:
    return Path(settings.ONEC_UPLOAD_DIR) / str(session.pk)
