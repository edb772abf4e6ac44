"""Bulk generator of realistic demo clients (``manage.py seed_demo``).

This is a seed, not a user's edit: rows go in with ``bulk_create`` in batches, one
transaction per batch, with keys from :func:`rapport.core.ids.new_id` and the search keys
(``search_name``, ``ContactPoint.normalized``) filled the way the services fill them.
No django-simple-history rows are written. Each batch is generated, inserted and
dropped, so memory does not grow with the number of clients.

Companies and persons come in three flavours, Russian, Polish and English, with their
legal forms, tax ids (valid INN / NIP check digits for part of them), phones stored in
E.164 with a human ``value``, e-mails, web sites, statuses, categories, sources,
properties from the property definitions and one or two contact persons each.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.core.ids import new_id
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType, Role, User

from . import normalize
from .models import (
    ChannelKind,
    Client,
    ClientKind,
    ContactPerson,
    ContactPoint,
    ContactRole,
    RelationshipStatus,
    Source,
    StatusChange,
    Tag,
)

# --- word lists -----------------------------------------------------------------------

RU_ROOTS = [
    "Ромашка",
    "Вектор",
    "Альфа",
    "Север",
    "Техно",
    "Строй",
    "Гранит",
    "Восток",
    "Меридиан",
    "Импульс",
    "Орион",
    "Прогресс",
    "Энерго",
    "Металл",
    "Агро",
    "Сибирь",
    "Урал",
    "Волга",
    "Дельта",
    "Квант",
    "Монолит",
    "Профи",
    "Стандарт",
    "Транс",
    "Форвард",
    "Янтарь",
    "Байкал",
    "Кристалл",
    "Радуга",
    "Спектр",
    "Эталон",
    "Горизонт",
    "Атлант",
    "Вертикаль",
    "Пульс",
    "Лидер",
    "Олимп",
    "Феникс",
    "Сокол",
    "Полюс",
]
RU_SECOND = [
    "Трейд",
    "Сервис",
    "Лайн",
    "Строй",
    "Снаб",
    "Пром",
    "Маркет",
    "Групп",
    "Логистик",
    "Инвест",
    "Комплект",
    "Систем",
    "Торг",
    "Проект",
]
RU_FORMS = [("ООО", 60), ("АО", 12), ("ПАО", 3), ("ЗАО", 8), ("ИП", 17)]
RU_MALE = [
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Иван",
    "Михаил",
    "Николай",
    "Евгений",
    "Владимир",
    "Павел",
    "Олег",
    "Игорь",
    "Артём",
    "Максим",
]
RU_FEMALE = [
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Анна",
    "Мария",
    "Светлана",
    "Екатерина",
    "Юлия",
    "Марина",
    "Галина",
    "Дарья",
    "Ксения",
    "Алина",
]
RU_PATRONYMIC = [
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Николаевич", "Николаевна"),
    ("Владимирович", "Владимировна"),
    ("Михайлович", "Михайловна"),
    ("Андреевич", "Андреевна"),
]
RU_SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
]
RU_POSITIONS = [
    "Генеральный директор",
    "Главный бухгалтер",
    "Менеджер по закупкам",
    "Коммерческий директор",
    "Инженер",
    "Юрист",
    "Руководитель отдела снабжения",
]
RU_ROLES = ["ЛПР", "Бухгалтерия", "Закупки", "Техническая поддержка", ""]
RU_CITIES = ["495", "812", "343", "383", "846", "843", "863", "916", "903", "926", "985"]

PL_ROOTS = [
    "Polmet",
    "Budex",
    "Drewpol",
    "Mazowsze",
    "Wisła",
    "Transbud",
    "Agromax",
    "Elektrobud",
    "Stalmet",
    "Interpol",
    "Euroflex",
    "Bałtyk",
    "Tatra",
    "Warta",
    "Orzeł",
    "Zefir",
    "Kama",
    "Lechia",
    "Sokół",
    "Rolmax",
    "Hurtpol",
    "Marbud",
    "Novatek",
    "Pomorze",
    "Śląsk",
    "Wawel",
    "Karpaty",
    "Odra",
    "Noteć",
    "Mazur",
]
PL_SECOND = [
    "Trans",
    "Serwis",
    "Logistyka",
    "Handel",
    "System",
    "Technika",
    "Meble",
    "Projekt",
    "Instal",
    "Energia",
]
PL_FORMS = [("Sp. z o.o.", 60), ("S.A.", 12), ("Sp. j.", 12), ("Sp. k.", 8), ("PHU", 8)]
PL_MALE = [
    "Jan",
    "Piotr",
    "Krzysztof",
    "Andrzej",
    "Tomasz",
    "Paweł",
    "Marek",
    "Michał",
    "Grzegorz",
    "Łukasz",
    "Adam",
    "Marcin",
]
PL_FEMALE = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Magdalena",
    "Joanna",
    "Monika",
    "Zofia",
    "Aleksandra",
]
PL_SURNAMES = [
    ("Nowak", "Nowak"),
    ("Kowalski", "Kowalska"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kowalczyk", "Kowalczyk"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"),
    ("Mazur", "Mazur"),
    ("Kwiatkowski", "Kwiatkowska"),
    ("Krawczyk", "Krawczyk"),
    ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"),
]
PL_POSITIONS = [
    "Prezes zarządu",
    "Główna księgowa",
    "Kierownik zakupów",
    "Dyrektor handlowy",
    "Specjalista ds. logistyki",
    "Inżynier",
    "Radca prawny",
]
PL_ROLES = ["Decydent", "Księgowość", "Zakupy", "Serwis", ""]
PL_AREAS = ["22", "12", "61", "71", "58", "42"]
PL_MOBILE = ["501", "502", "600", "601", "602", "660", "691", "721", "790", "881"]

EN_ROOTS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Blue Ridge",
    "Silver Oak",
    "Red Rock",
    "Summit",
    "Pioneer",
    "Atlas",
    "Beacon",
    "Crescent",
    "Harbor",
    "Keystone",
    "Liberty",
    "Maple",
    "Pinnacle",
    "Sterling",
    "Vertex",
    "Oakwood",
    "Riverside",
    "Evergreen",
    "Ironbridge",
    "Westfield",
]
EN_SECOND = [
    "Industries",
    "Systems",
    "Solutions",
    "Logistics",
    "Foods",
    "Energy",
    "Partners",
    "Holdings",
    "Trading",
    "Consulting",
    "Labs",
    "Works",
    "Supply",
    "Group",
    "Media",
]
EN_FORMS = [("Ltd", 40), ("LLC", 20), ("Inc.", 20), ("PLC", 5), ("Corp", 10), ("", 5)]
EN_MALE = [
    "John",
    "James",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Thomas",
    "Daniel",
    "Matthew",
    "George",
    "Oliver",
]
EN_FEMALE = [
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Emily",
    "Olivia",
    "Emma",
]
EN_SURNAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
]
EN_POSITIONS = [
    "CEO",
    "Chief accountant",
    "Purchasing manager",
    "Sales director",
    "Operations manager",
    "Engineer",
    "Legal counsel",
]
EN_ROLES = ["Decision maker", "Accounts", "Purchasing", "Support", ""]

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяąćęłńóśźż",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "c",
            "e",
            "l",
            "n",
            "o",
            "s",
            "z",
            "z",
        ],
        strict=True,
    )
)


def slug(text: str) -> str:
    """ASCII, lower case, letters and digits only: for e-mail local parts and domains."""
    out = []
    for ch in text.lower():
        if ch.isascii():
            if ch.isalnum():
                out.append(ch)
        else:
            out.append(_TRANSLIT.get(ch, ""))
    return "".join(out)


# --- tax ids --------------------------------------------------------------------------

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_NIP = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def make_inn10(rng: random.Random) -> str:
    """A Russian company INN (10 digits) with a valid check digit."""
    body = f"{rng.randint(1, 99):02d}{rng.randint(1, 99):02d}{rng.randint(0, 99999):05d}"
    return body + str(_check(body, _INN10))


def make_inn12(rng: random.Random) -> str:
    """A Russian personal INN (12 digits) with valid check digits."""
    body = f"{rng.randint(1, 99):02d}{rng.randint(1, 99):02d}{rng.randint(0, 999999):06d}"
    body += str(_check(body, _INN11))
    return body + str(_check(body, _INN12))


def make_nip(rng: random.Random) -> str:
    """A Polish NIP (10 digits) with a valid check digit."""
    while True:
        body = f"{rng.randint(101, 999)}{rng.randint(0, 999999):06d}"
        check = sum(int(d) * w for d, w in zip(body, _NIP, strict=True)) % 11
        if check != 10:
            return body + str(check)


# --- phones ---------------------------------------------------------------------------


def _ru_phone(rng: random.Random) -> tuple[str, str]:
    code = rng.choice(RU_CITIES)
    a, b, c = rng.randint(100, 999), rng.randint(0, 99), rng.randint(0, 99)
    style = rng.randrange(3)
    if style == 0:
        value = f"+7 ({code}) {a}-{b:02d}-{c:02d}"
    elif style == 1:
        value = f"+7 {code} {a} {b:02d} {c:02d}"
    else:
        value = f"+7{code}{a}{b:02d}{c:02d}"
    return value, f"+7{code}{a}{b:02d}{c:02d}"


def _pl_phone(rng: random.Random, *, mobile: bool) -> tuple[str, str]:
    if mobile:
        prefix, a, b = rng.choice(PL_MOBILE), rng.randint(100, 999), rng.randint(100, 999)
        value = f"+48 {prefix} {a} {b}" if rng.random() < 0.7 else f"+48 {prefix}-{a}-{b}"
        return value, f"+48{prefix}{a}{b}"
    area, a, b, c = (
        rng.choice(PL_AREAS),
        rng.randint(100, 999),
        rng.randint(10, 99),
        rng.randint(10, 99),
    )
    return f"+48 {area} {a} {b} {c}", f"+48{area}{a}{b}{c}"


def _en_phone(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
        return f"+44 20 {a} {b}", f"+4420{a}{b}"
    area, ex, line = (
        rng.choice(["212", "312", "415", "617", "646"]),
        rng.randint(200, 999),
        rng.randint(1000, 9999),
    )
    return f"+1 ({area}) {ex}-{line}", f"+1{area}{ex}{line}"


# --- the generator --------------------------------------------------------------------


@dataclass
class Reference:
    """The lists the generated rows point to, read once."""

    managers: list[User]
    statuses: list[RelationshipStatus]
    status_weights: list[int]
    tags: list[Tag]
    sources: list[Source]
    client_properties: list[PropertyDefinition]
    contact_properties: list[PropertyDefinition]
    author: User | None = None


_STATUS_WEIGHTS = {"lead": 30, "prospect": 20, "active": 35, "former": 10, "lost": 5}


def load_reference() -> Reference:
    managers = list(
        User.objects.filter(role__in=[Role.MANAGER, Role.HEAD], is_active=True)
        .select_related("department")
        .order_by("username")
    )
    statuses = list(RelationshipStatus.objects.filter(is_active=True))
    definitions = list(PropertyDefinition.objects.filter(is_active=True))
    author = (
        User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).order_by("username").first()
    )
    return Reference(
        managers=managers,
        statuses=statuses,
        status_weights=[_STATUS_WEIGHTS.get(s.code, 10) for s in statuses],
        tags=list(Tag.objects.all()),
        sources=list(Source.objects.all()),
        client_properties=[d for d in definitions if d.target == PropertyTarget.CLIENT],
        contact_properties=[d for d in definitions if d.target == PropertyTarget.CONTACT],
        author=author,
    )


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _property_values(
    rng: random.Random, definitions: list[PropertyDefinition], managers: list[User]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for d in definitions:
        if not d.is_required and rng.random() < 0.35:
            continue
        kind = d.type
        if kind == PropertyType.TEXT:
            if d.is_sensitive:
                values[d.code] = f"PL{rng.randint(10, 99)} {rng.randint(10**23, 10**24 - 1)}"
            else:
                values[d.code] = rng.choice(
                    ["golf", "chess", "fishing", "tennis", "music", "travel", "books", "cycling"]
                )
        elif kind == PropertyType.NUMBER:
            values[d.code] = int(rng.lognormvariate(3.5, 1.5)) + 1
        elif kind == PropertyType.DATE:
            values[d.code] = (
                dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
            ).isoformat()
        elif kind == PropertyType.BOOLEAN:
            values[d.code] = rng.random() < 0.5
        elif kind == PropertyType.CHOICE and d.choices:
            values[d.code] = rng.choice(d.choices)
        elif kind == PropertyType.MULTI_CHOICE and d.choices:
            picked = set(rng.sample(d.choices, k=rng.randint(1, min(3, len(d.choices)))))
            values[d.code] = [c for c in d.choices if c in picked]
        elif kind == PropertyType.USER and managers:
            values[d.code] = str(rng.choice(managers).pk)
    return values


@dataclass
class Batch:
    clients: list[Client] = field(default_factory=list)
    tag_links: list[Any] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    contacts: list[ContactPerson] = field(default_factory=list)
    roles: list[ContactRole] = field(default_factory=list)
    points: list[ContactPoint] = field(default_factory=list)

    def rows(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.clients,
                self.tag_links,
                self.status_changes,
                self.contacts,
                self.roles,
                self.points,
            )
        )


class Generator:
    """Makes one batch of clients at a time from a seeded random source."""

    def __init__(self, ref: Reference, *, seed: int, now: dt.datetime | None = None) -> None:
        if not ref.managers:
            raise ValueError("no active users with role manager or head to own the clients")
        self.ref = ref
        self.seed = seed
        self.now = now or timezone.now()
        self.tag_through = Client.tags.through

    # names ---------------------------------------------------------------------------

    def _person(self, rng: random.Random, locale: str) -> tuple[str, str, str, bool]:
        """(first, middle, last, female)"""
        female = rng.random() < 0.45
        if locale == "ru":
            last = rng.choice(RU_SURNAMES)
            if female:
                last = last + "а"
            first = rng.choice(RU_FEMALE if female else RU_MALE)
            middle = rng.choice(RU_PATRONYMIC)[1 if female else 0]
            return first, middle, last, female
        if locale == "pl":
            male_last, female_last = rng.choice(PL_SURNAMES)
            first = rng.choice(PL_FEMALE if female else PL_MALE)
            return first, "", female_last if female else male_last, female
        return rng.choice(EN_FEMALE if female else EN_MALE), "", rng.choice(EN_SURNAMES), female

    def _company(self, rng: random.Random, locale: str) -> tuple[str, str, str, str]:
        """(name, legal name, legal form, domain)"""
        if locale == "ru":
            root = rng.choice(RU_ROOTS)
            if rng.random() < 0.6:
                root = (
                    f"{root}-{rng.choice(RU_SECOND)}"
                    if rng.random() < 0.5
                    else root + rng.choice(RU_SECOND).lower()
                )
            form = _weighted(rng, RU_FORMS)
            if form == "ИП":
                first, middle, last, _f = self._person(rng, "ru")
                name = f"ИП {last} {first[0]}. {middle[0]}."
                return (
                    name,
                    f"Индивидуальный предприниматель {last} {first} {middle}",
                    form,
                    slug(last) + ".ru",
                )
            name = f"{form} «{root}»"
            full = {
                "ООО": "Общество с ограниченной ответственностью",
                "АО": "Акционерное общество",
                "ПАО": "Публичное акционерное общество",
                "ЗАО": "Закрытое акционерное общество",
            }[form]
            return name, f"{full} «{root}»", form, slug(root) + ".ru"
        if locale == "pl":
            root = rng.choice(PL_ROOTS)
            if rng.random() < 0.4:
                root = f"{root}-{rng.choice(PL_SECOND)}"
            elif rng.random() < 0.2:
                root = f"{rng.choice(PL_SURNAMES)[0]} i Synowie"
            form = _weighted(rng, PL_FORMS)
            name = f"PHU {root}" if form == "PHU" else f"{root} {form}"
            return name, name, form, slug(root) + ".pl"
        root = rng.choice(EN_ROOTS)
        if rng.random() < 0.7:
            root = f"{root} {rng.choice(EN_SECOND)}"
        form = _weighted(rng, EN_FORMS)
        name = f"{root} {form}".strip()
        return name, name, form, slug(root) + ".com"

    # rows ----------------------------------------------------------------------------

    def batch(self, start: int, size: int) -> Batch:
        """Clients number ``start`` to ``start + size - 1`` of this seed."""
        rng = random.Random(self.seed * 1_000_003 + start)
        ref, out = self.ref, Batch()
        for number in range(start, start + size):
            self._client(rng, number, ref, out)
        return out

    def _client(self, rng: random.Random, number: int, ref: Reference, out: Batch) -> None:
        locale = rng.choices(("ru", "pl", "en"), weights=(50, 30, 20))[0]
        is_person = rng.random() < 0.15
        manager = rng.choice(ref.managers)
        status = rng.choices(ref.statuses, weights=ref.status_weights)[0] if ref.statuses else None
        created = self.now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        updated = created + (self.now - created) * rng.random() ** 3
        phones: list[tuple[str, str, str]] = []
        emails: list[tuple[str, str]] = []
        website = ""
        if is_person:
            first, middle, last, _female = self._person(rng, locale)
            name = (
                " ".join(p for p in (last, first, middle) if p)
                if locale == "ru"
                else f"{first} {last}"
            )
            legal_name, legal_form = "", ""
            domain = rng.choice(
                ["mail.ru", "yandex.ru"]
                if locale == "ru"
                else ["wp.pl", "onet.pl", "gmail.com"]
                if locale == "pl"
                else ["gmail.com", "outlook.com"]
            )
            tax_id = ""
            if locale == "ru" and rng.random() < 0.3:
                tax_id = make_inn12(rng)
            elif locale == "pl" and rng.random() < 0.2:
                tax_id = make_nip(rng)
            emails.append((f"{slug(first)}.{slug(last)}{number % 1000}@{domain}", "personal"))
            phones.append((*self._phone(rng, locale, mobile=True), "mobile"))
            kind = ClientKind.PERSON
        else:
            name, legal_name, legal_form, domain = self._company(rng, locale)
            if rng.random() < 0.3:
                domain = f"{domain.split('.')[0]}{number % 100}.{domain.split('.')[-1]}"
            tax_id = ""
            if locale == "ru" and rng.random() < 0.75:
                tax_id = make_inn12(rng) if legal_form == "ИП" else make_inn10(rng)
            elif locale == "pl" and rng.random() < 0.7:
                tax_id = make_nip(rng)
            phones.append((*self._phone(rng, locale, mobile=False), "work"))
            if rng.random() < 0.3:
                phones.append((*self._phone(rng, locale, mobile=True), "mobile"))
            emails.append(
                (
                    f"{rng.choice(['info', 'office', 'sales', 'biuro' if locale == 'pl' else 'mail'])}@{domain}",  # noqa: E501
                    "work",
                )
            )
            if rng.random() < 0.5:
                website = f"https://www.{domain}"
            kind = ClientKind.COMPANY
        client = Client(
            id=new_id(),
            kind=kind,
            name=name,
            search_name=normalize.normalize_name(name),
            name_key=normalize.name_key(name),
            legal_name=legal_name,
            tax_id=tax_id,
            legal_form=legal_form,
            source_id=rng.choice(ref.sources).pk if ref.sources and rng.random() < 0.8 else None,
            status_id=status.pk if status else None,
            manager_id=manager.pk,
            department_id=manager.department_id,
            is_confidential=rng.random() < 0.03,
            notes="",
            properties=_property_values(rng, ref.client_properties, ref.managers),
            created_at=created,
            updated_at=updated,
            created_by_id=(ref.author or manager).pk,
        )
        out.clients.append(client)
        if ref.tags:
            for tag in rng.sample(ref.tags, k=rng.choices((0, 1, 2), weights=(40, 45, 15))[0]):
                out.tag_links.append(self.tag_through(client_id=client.pk, tag_id=tag.pk))
        out.status_changes.append(
            StatusChange(
                id=new_id(),
                client_id=client.pk,
                old_status_id=None,
                new_status_id=client.status_id,
                changed_at=created,
                changed_by_id=client.created_by_id,
            )
        )
        for position, (value, key, kind_) in enumerate(phones):
            out.points.append(
                ContactPoint(
                    id=new_id(),
                    client_id=client.pk,
                    channel=ChannelKind.PHONE,
                    type=kind_,
                    value=value,
                    normalized=key,
                    position=position,
                )
            )
        for position, (value, kind_) in enumerate(emails):
            out.points.append(
                ContactPoint(
                    id=new_id(),
                    client_id=client.pk,
                    channel=ChannelKind.EMAIL,
                    type=kind_,
                    value=value,
                    normalized=value.lower(),
                    position=position,
                )
            )
        if website:
            out.points.append(
                ContactPoint(
                    id=new_id(),
                    client_id=client.pk,
                    channel=ChannelKind.WEBSITE,
                    type="",
                    value=website,
                    normalized=website.lower(),
                    position=0,
                )
            )
        self._contacts(rng, number, client, locale, domain if not is_person else "", out, created)

    def _phone(self, rng: random.Random, locale: str, *, mobile: bool) -> tuple[str, str]:
        if locale == "ru":
            return _ru_phone(rng)
        if locale == "pl":
            return _pl_phone(rng, mobile=mobile)
        return _en_phone(rng)

    def _contacts(
        self,
        rng: random.Random,
        number: int,
        client: Client,
        locale: str,
        domain: str,
        out: Batch,
        created: dt.datetime,
    ) -> None:
        positions, roles = {
            "ru": (RU_POSITIONS, RU_ROLES),
            "pl": (PL_POSITIONS, PL_ROLES),
            "en": (EN_POSITIONS, EN_ROLES),
        }[locale]
        for index in range(1 if rng.random() < 0.55 else 2):
            first, middle, last, _female = self._person(rng, locale)
            contact = ContactPerson(
                id=new_id(),
                first_name=first,
                middle_name=middle,
                last_name=last,
                search_name=normalize.normalize_name(
                    " ".join(p for p in (last, first, middle) if p)
                ),
                name_key=normalize.name_key(" ".join(p for p in (last, first, middle) if p)),
                birthday=(
                    dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 14000))
                    if rng.random() < 0.3
                    else None
                ),
                preferred_channel=rng.choice(["", "", "phone", "email"]),
                properties=_property_values(rng, self.ref.contact_properties, self.ref.managers),
                created_at=created,
                updated_at=created,
                created_by_id=client.created_by_id,
            )
            out.contacts.append(contact)
            out.roles.append(
                ContactRole(
                    id=new_id(),
                    contact_id=contact.pk,
                    client_id=client.pk,
                    position=rng.choice(positions),
                    role=rng.choice(roles),
                    is_primary=index == 0,
                )
            )
            value, key = self._phone(rng, locale, mobile=True)
            out.points.append(
                ContactPoint(
                    id=new_id(),
                    contact_id=contact.pk,
                    channel=ChannelKind.PHONE,
                    type="mobile",
                    value=value,
                    normalized=key,
                    position=0,
                )
            )
            mail_domain = domain or rng.choice(["gmail.com", "mail.ru", "wp.pl"])
            email = f"{slug(first)}.{slug(last)}{number % 1000}@{mail_domain}"
            out.points.append(
                ContactPoint(
                    id=new_id(),
                    contact_id=contact.pk,
                    channel=ChannelKind.EMAIL,
                    type="work",
                    value=email,
                    normalized=email.lower(),
                    position=0,
                )
            )


def insert_batch(batch: Batch) -> None:
    """One transaction per batch; ``bulk_create`` sends no signals, so no history rows."""
    with transaction.atomic():
        Client.objects.bulk_create(batch.clients)
        if batch.tag_links:
            Client.tags.through.objects.bulk_create(batch.tag_links)
        StatusChange.objects.bulk_create(batch.status_changes)
        ContactPerson.objects.bulk_create(batch.contacts)
        ContactRole.objects.bulk_create(batch.roles)
        ContactPoint.objects.bulk_create(batch.points)


@dataclass
class SeedResult:
    clients: int
    rows: int
    seconds: float


def seed_clients(
    *,
    count: int,
    seed: int,
    batch_size: int = 5000,
    progress: Callable[[int, int, int, float], None] | None = None,
) -> SeedResult:
    """Insert ``count`` generated clients with their contact persons and contact details."""
    ref = load_reference()
    generator = Generator(ref, seed=seed)
    started = time.perf_counter()
    done = rows = 0
    while done < count:
        size = min(batch_size, count - done)
        batch = generator.batch(done, size)
        insert_batch(batch)
        rows += batch.rows()
        done += size
        del batch
        if progress is not None:
            progress(done, count, rows, time.perf_counter() - started)
    return SeedResult(clients=done, rows=rows, seconds=time.perf_counter() - started)
