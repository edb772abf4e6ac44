"""``manage.py seed_demo``: many realistic clients, bulk inserted, valid and scoped."""

import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from rapport.core import access
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType, Role, User
from rapport.core.properties import clean_property_values
from rapport.parties import normalize
from rapport.parties.models import (
    Client,
    ContactPerson,
    ContactPoint,
    ContactRole,
    Source,
    StatusChange,
    Tag,
)
from rapport.parties.seeding import make_inn10, make_inn12, make_nip

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(staff):
    for name in ("Wholesale", "Retail"):
        Tag.objects.create(name=name)
    Source.objects.create(name="Web site")
    for code, kind, choices in (
        ("industry", PropertyType.CHOICE, ["IT", "Retail"]),
        ("channels", PropertyType.MULTI_CHOICE, ["Web", "Shop", "Phone"]),
        ("employees", PropertyType.NUMBER, []),
        ("founded", PropertyType.DATE, []),
        ("partner", PropertyType.BOOLEAN, []),
        ("account", PropertyType.USER, []),
    ):
        PropertyDefinition.objects.create(
            target=PropertyTarget.CLIENT, code=code, label=code, type=kind, choices=choices
        )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CONTACT,
        code="hobby",
        label="Hobby",
        type=PropertyType.TEXT,
        is_required=True,
    )
    return staff


def seed(count, seed=7):
    out = io.StringIO()
    call_command("seed_demo", clients=count, seed=seed, batch=128, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_valid_clients_visible_to_their_managers(reference):
    staff = reference
    output = seed(300)
    assert "Added 300 clients" in output

    assert Client.objects.count() == 300
    kinds = dict(Client.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds.get("company", 0) > 150 and kinds.get("person", 0) > 0
    # 1 or 2 contact persons each, linked through ContactRole.
    per_client = Counter(ContactRole.objects.values_list("client_id", flat=True))
    assert set(per_client) == set(Client.objects.values_list("pk", flat=True))
    assert set(per_client.values()) == {1, 2}
    assert ContactPerson.objects.count() == ContactRole.objects.count()
    assert StatusChange.objects.count() == 300

    # Search keys are what the services would have stored.
    for client in Client.objects.all():
        assert client.search_name == normalize.normalize_name(client.name)
        if client.tax_id:
            assert normalize.validate_tax_id(client.tax_id) == client.tax_id
        clean_property_values(target=PropertyTarget.CLIENT, values=client.properties)
    for contact in ContactPerson.objects.all():
        assert contact.search_name == normalize.normalize_name(contact.full_name)
        assert "hobby" in contact.properties  # required properties are filled
    phones = list(ContactPoint.objects.filter(channel="phone"))
    assert len(phones) >= 600
    for point in phones:
        assert normalize.normalize_phone(point.value) == point.normalized
        assert point.normalized.startswith("+")
    for point in ContactPoint.objects.filter(channel="email"):
        assert normalize.normalize_email(point.value) == point.normalized
    assert Client.objects.exclude(tax_id="").count() > 100

    # Spread over the demo managers, department = the manager's department.
    owners = {staff.manager1, staff.manager2, staff.manager3, staff.head}
    assert set(User.objects.filter(managed_clients__isnull=False).distinct()) == owners
    for client in Client.objects.select_related("manager"):
        assert client.department_id == client.manager.department_id
    for manager in (staff.manager1, staff.manager2, staff.manager3):
        visible = access.visible_to(manager, Client)
        assert visible.count() == Client.objects.filter(manager=manager).count() > 0
    assert (
        access.visible_to(staff.head, Client).count()
        == Client.objects.filter(department=staff.sales).count()
    )
    assert access.visible_to(staff.director, Client).count() == 300

    # A seed, not a user's edit: no history rows.
    assert Client.history.count() == 0
    assert ContactPoint.history.count() == 0


def test_a_second_run_adds_more(reference):
    seed(120, seed=1)
    seed(130, seed=1)  # the same seed again: new rows, no clash
    assert Client.objects.count() == 250
    assert Client.objects.values("id").distinct().count() == 250


def test_seed_demo_needs_managers(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo company"):
        seed(10)
    assert not Client.objects.exists()


def test_seed_demo_creates_the_demo_company_on_an_empty_database_in_demo_mode(db, settings):
    settings.DEMO_MODE = True
    output = seed(20)
    assert "Demo company created" in output
    assert User.objects.filter(username="manager1", role=Role.MANAGER).exists()
    # The demo company's own clients plus the 20 seeded ones.
    assert Client.objects.count() == 45 + 20


@pytest.mark.parametrize("make", [make_inn10, make_inn12, make_nip])
def test_generated_tax_ids_have_valid_check_digits(make):
    rng = random.Random(3)
    for _n in range(500):
        number = make(rng)
        assert normalize.validate_tax_id(number) == number
