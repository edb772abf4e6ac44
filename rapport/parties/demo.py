"""The demo company: our organisation, departments, users of every role, reference
lists, properties and a few dozen clients. Created only in demo mode."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

from django.db import transaction

from rapport.core.models import (
    Department,
    Organisation,
    PropertyDefinition,
    PropertyTarget,
    PropertyType,
    ReadScope,
    Role,
    User,
)

from . import services
from .models import Client, RelationshipStatus, Source, Tag

DEMO_PASSWORD = "demo"  # noqa: S105  (documented demo logins, demo mode only)

DEMO_USERS = [
    # username, first, last, role, department
    ("admin", "Anna", "Admin", Role.ADMINISTRATOR, None),
    ("director", "Dmitry", "Director", Role.DIRECTOR, None),
    ("head.sales", "Helena", "Head", Role.HEAD, "Sales"),
    ("manager1", "Marek", "Nowak", Role.MANAGER, "Sales"),
    ("manager2", "Maria", "Ivanova", Role.MANAGER, "Sales"),
    ("manager3", "Mikhail", "Petrov", Role.MANAGER, "Service"),
    ("viewer", "Victor", "Viewer", Role.READ_ONLY, None),
]

COMPANIES = [
    ("ООО «Ромашка»", "7707083893", "ООО"),
    ("Acme Ltd", "", "Ltd"),
    ("Kowalski i Synowie Sp. z o.o.", "5260250995", "Sp. z o.o."),
    ("АО «Северсталь-Сервис»", "3528000597", "АО"),
    ("Globex Corporation", "", "Corp"),
    ("ИП Смирнов А. В.", "500100732259", "ИП"),
    ("Nordic Timber AB", "", "AB"),
    ("ООО «ТехноЛайн»", "7736207543", "ООО"),
    ("Polmet S.A.", "1132191233", "S.A."),
    ("Initech GmbH", "", "GmbH"),
    ("ООО «Вектор»", "7702070139", "ООО"),
    ("Stark Industries", "", ""),
    ("ЗАО «Альфа-Трейд»", "7710140679", "ЗАО"),
    ("Wayne Enterprises", "", ""),
    ("Zakład Energetyczny Sp. z o.o.", "7251801126", "Sp. z o.o."),
]
FIRST = ["Ivan", "Olga", "Piotr", "Anna", "John", "Ewa", "Sergey", "Natalia", "Tomasz", "Kate"]
LAST = [
    "Sokolov",
    "Kowalska",
    "Smith",
    "Wiśniewski",
    "Kuznetsova",
    "Brown",
    "Zielińska",
    "Popov",
    "Lewandowski",
    "Miller",
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


DemoBuilder = Callable[..., None]
_builders: list[DemoBuilder] = []


def register(fn: DemoBuilder) -> DemoBuilder:
    """Let an upper app add its demo records: ``fn(*, users, clients)`` is called at the
    end of create_demo_company with the demo users by username and the clients created.
    Registering the same function twice has no effect."""
    if fn not in _builders:
        _builders.append(fn)
    return fn


def demo_company_exists() -> bool:
    return User.objects.filter(username="admin").exists()


@transaction.atomic
def create_demo_company(*, clients: int = 45, seed: int = 42) -> User:
    rng = random.Random(seed)
    org = Organisation.objects.create(
        name="Rapport Demo", legal_name="Rapport Demo LLC", tax_id="7707083893", currency="EUR"
    )
    head_office = Department.objects.create(name="Head office", organisation=org)
    departments = {
        name: Department.objects.create(name=name, parent=head_office, organisation=org)
        for name in ("Sales", "Service")
    }
    users: dict[str, User] = {}
    for username, first, last, role, dep in DEMO_USERS:
        users[username] = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.rapport.local",
            role=role,
            department=departments.get(dep) if dep else head_office,
            read_scope=ReadScope.ALL,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
    admin = users["admin"]
    tags = [Tag.objects.create(name=n) for n in ("Wholesale", "Retail", "Partner", "Government")]
    sources = [
        Source.objects.create(name=n) for n in ("Web site", "Exhibition", "Referral", "Cold call")
    ]
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="industry",
        label="Industry",
        type=PropertyType.CHOICE,
        choices=["Manufacturing", "Retail", "IT", "Construction", "Energy"],
        position=1,
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="employees",
        label="Employees",
        type=PropertyType.NUMBER,
        position=2,
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CLIENT,
        code="bank_account",
        label="Bank account",
        type=PropertyType.TEXT,
        is_sensitive=True,
        position=3,
    )
    PropertyDefinition.objects.create(
        target=PropertyTarget.CONTACT,
        code="hobby",
        label="Hobby",
        type=PropertyType.TEXT,
        position=1,
    )
    statuses = list(RelationshipStatus.objects.all())
    managers = [users["manager1"], users["manager2"], users["manager3"], users["head.sales"]]
    created: list[Client] = []
    for index in range(clients):
        base, tax_id, form = COMPANIES[index % len(COMPANIES)]
        name = base if index < len(COMPANIES) else f"{base} {index // len(COMPANIES) + 1}"
        manager = managers[index % len(managers)]
        client = services.client_create(
            actor=admin,
            name=name,
            legal_form=form,
            tax_id=tax_id if index < len(COMPANIES) else "",
            status=rng.choice(statuses),
            manager=manager,
            department=manager.department,
            source=rng.choice(sources),
            tags=rng.sample(tags, k=rng.randint(0, 2)),
            is_confidential=index % 11 == 3,
            phones=[
                {
                    "value": f"+7 495 {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
                    f"{rng.randint(10, 99)}",
                    "type": "work",
                }
            ],
            emails=[{"value": f"info{index}@example.com", "type": "work"}],
            properties={
                "industry": rng.choice(["Manufacturing", "Retail", "IT", "Energy"]),
                "employees": rng.randint(5, 5000),
            },
        )
        created.append(client)
        for _n in range(rng.randint(1, 2)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            services.contact_create(
                actor=admin,
                first_name=first,
                last_name=last,
                roles=[
                    {
                        "client": client,
                        "position": rng.choice(["Director", "Buyer", "Accountant", "Engineer"]),
                    }
                ],
                phones=[
                    {
                        "value": f"+48 600 {rng.randint(100, 999)} {rng.randint(100, 999)}",
                        "type": "mobile",
                    }
                ],
                emails=[
                    {"value": _ascii(f"{first}.{last}{index}@example.com").lower(), "type": "work"}
                ],
            )
    for build in _builders:
        build(users=users, clients=created)
    return admin
