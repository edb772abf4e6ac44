"""Shared fixtures: the staff of a small company with every role."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from rapport.core.models import ReadScope, Role
from rapport.core.services import api_token_issue
from rapport.core.tests.factories import DepartmentFactory, UserFactory


@pytest.fixture(scope="session")
def _migrated_data(django_db_setup, django_db_blocker):
    """The rows data migrations wrote (relationship statuses, interaction types...)."""
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _restore_migrated_data(request):
    """Transactional tests (live server, on_commit, worker processes) end by emptying the
    database, data migrations' rows included: each test that finds them gone gets them
    back. (Django's serialized rollback would do it, but its copy does not survive the
    browser tests' event loop.)"""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    if not transactional:
        return
    # Taken by the first transactional test, before any of them emptied the database.
    migrated = request.getfixturevalue("_migrated_data")
    request.getfixturevalue("transactional_db")
    from django.core import serializers
    from django.db import connection

    from rapport.parties.models import RelationshipStatus

    if not RelationshipStatus.objects.exists():
        # Content types and permissions come back by themselves (post_migrate).
        with connection.constraint_checks_disabled():
            for row in serializers.deserialize("json", migrated):
                if row.object._meta.app_label.startswith(("contenttypes", "auth")):
                    continue
                row.save()


@pytest.fixture
def staff(db):
    """admin, director, head (Sales), manager1 and manager2 (Sales), manager3 (Service),
    viewer (read-only, all) and viewer_sales (read-only, Sales only)."""
    office = DepartmentFactory(name="Head office")
    sales = DepartmentFactory(name="Sales", parent=office)
    service = DepartmentFactory(name="Service", parent=office)
    return SimpleNamespace(
        office=office,
        sales=sales,
        service=service,
        admin=UserFactory(username="admin", role=Role.ADMINISTRATOR, department=office),
        director=UserFactory(username="director", role=Role.DIRECTOR, department=office),
        head=UserFactory(username="head.sales", role=Role.HEAD, department=sales),
        manager1=UserFactory(username="manager1", role=Role.MANAGER, department=sales),
        manager2=UserFactory(username="manager2", role=Role.MANAGER, department=sales),
        manager3=UserFactory(username="manager3", role=Role.MANAGER, department=service),
        viewer=UserFactory(
            username="viewer", role=Role.READ_ONLY, department=office, read_scope=ReadScope.ALL
        ),
        viewer_sales=UserFactory(
            username="viewer.sales",
            role=Role.READ_ONLY,
            department=sales,
            read_scope=ReadScope.DEPARTMENT,
        ),
    )


@pytest.fixture
def api():
    """An API client factory: ``api(user)`` answers a client authenticated by a Bearer token."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user)}")
        return client

    return make
