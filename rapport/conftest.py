"""Shared fixtures: the staff of a small company with every role."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from rapport.core.models import ReadScope, Role
from rapport.core.services import api_token_issue
from rapport.core.tests.factories import DepartmentFactory, UserFactory


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
