"""A local stand-in for a published 1C infobase's standard OData interface (tests only).

``ODataServer(configuration="bp30" | "ut11" | "custom")`` runs a ``ThreadingHTTPServer`` on
127.0.0.1 (a free port) in a thread and answers like 1C does:

* ``GET …/odata/standard.odata/$metadata``: an EDMX (OData v3) document generated from the
  schema below (entity types with keys, properties, tabular sections as
  ``Collection(StandardODATA.<Object>_<Section>_RowType)`` complex types, navigation
  properties and associations, the ``EnterpriseV8`` container);
* ``GET <EntitySet>?$format=json&$select=&$filter=&$orderby=&$top=&$skip=&$inlinecount=``
  and ``GET <EntitySet>(guid'…')``;
* ``POST <EntitySet>``: a new element with a new ``Ref_Key``, ``DataVersion``, a number
  for documents; unknown fields refused;
* HTTP Basic auth (401 otherwise); ``{"odata.error": …}`` with HTTP 400 for a query it
  cannot answer (unknown field, bad literal) and 404 for an unpublished object.

The data starts from the real 1C answers in ``samples/odata/`` (a BP 3.0 contract and
nomenclature element, a custom configuration's counterparty) plus a few elements written
in the same shape; tests edit it with ``add``/``edit`` to play "someone changed it in 1C".
``$filter`` understands the subset the connector sends: ``eq ne gt ge lt le``, ``and``,
``or``, ``not``, parentheses, strings, ``guid'…'``, ``datetime'…'``, numbers, ``true``/
``false`` and bare boolean fields (``not IsFolder``, ``DeletionMark eq false``).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import quoteattr

SAMPLES = Path(__file__).parent / "samples" / "odata"
EMPTY = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
PREFIX = "/base/odata/standard.odata/"

G, S, B, D, N = "Edm.Guid", "Edm.String", "Edm.Boolean", "Edm.DateTime", "Edm.Double"

_CATALOG = {
    "Ref_Key": G,
    "DataVersion": S,
    "DeletionMark": B,
    "Code": S,
    "Description": S,
    "Predefined": B,
    "PredefinedDataName": S,
}
_HIERARCHY = {"Parent_Key": G, "IsFolder": B}
_DOCUMENT = {
    "Ref_Key": G,
    "DataVersion": S,
    "DeletionMark": B,
    "Number": S,
    "Date": D,
    "Posted": B,
}
_CONTACT_INFO = {
    "LineNumber": "Edm.Int64",
    "Тип": S,
    "Вид_Key": G,
    "Представление": S,
    "ЗначенияПолей": S,
    "Страна": S,
    "Регион": S,
    "Город": S,
    "АдресЭП": S,
    "ДоменноеИмяСервера": S,
    "НомерТелефона": S,
    "НомерТелефонаБезКодов": S,
    "ВидДляСписка_Key": G,
}
_EXTRA = {"LineNumber": "Edm.Int64", "Свойство_Key": G, "Значение": S, "Значение_Type": S}
_GOODS_ROWS = {
    "LineNumber": "Edm.Int64",
    "Номенклатура_Key": G,
    "Содержание": S,
    "Количество": N,
    "Цена": N,
    "Сумма": N,
    "СтавкаНДС": S,
    "СуммаНДС": N,
}


def _infer(value: Any, name: str) -> str:
    if isinstance(value, bool):
        return B
    if isinstance(value, (int, float)):
        return N
    if name.endswith("_Key"):
        return G
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", value):
        return D
    return S


def _schema_from_sample(file: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Fields (and tabular sections) of a real 1C answer, typed from their values."""
    data = json.loads((SAMPLES / file).read_text(encoding="utf-8"))
    element = data["value"][0] if "value" in data else data
    fields: dict[str, str] = {}
    sections: dict[str, dict[str, str]] = {}
    for name, value in element.items():
        if "@" in name or name.startswith("odata."):
            continue
        if isinstance(value, list):
            row = value[0] if value else {}
            sections[name] = {"LineNumber": "Edm.Int64"} | {
                k: _infer(v, k) for k, v in row.items() if k != "LineNumber"
            }
            if name == "ДополнительныеРеквизиты":
                sections[name] = dict(_EXTRA)
        else:
            fields[name] = _infer(value, name)
    return fields, sections


def _bp30() -> dict[str, dict[str, Any]]:
    contracts, contract_sections = _schema_from_sample(
        "bp30_Catalog_ДоговорыКонтрагентов_list.json"
    )
    goods, goods_sections = _schema_from_sample("bp30_Catalog_Номенклатура_list.json")
    return {
        "Catalog_Организации": {
            "fields": _CATALOG | {"НаименованиеПолное": S, "ИНН": S, "КПП": S},
        },
        "Catalog_Валюты": {"fields": _CATALOG | {"НаименованиеПолное": S}},
        "Catalog_Контрагенты": {
            "fields": _CATALOG
            | _HIERARCHY
            | {
                "НаименованиеПолное": S,
                "ИНН": S,
                "КПП": S,
                "РегистрационныйНомер": S,
                "ЮридическоеФизическоеЛицо": S,
                "ОсновнойБанковскийСчет_Key": G,
                "ОсновнойДоговорКонтрагента_Key": G,
                "ОсновноеКонтактноеЛицо_Key": G,
                "Комментарий": S,
            },
            "sections": {"КонтактнаяИнформация": _CONTACT_INFO, "ДополнительныеРеквизиты": _EXTRA},
        },
        "Catalog_КонтактныеЛица": {
            "fields": _CATALOG
            | {
                "ОбъектВладелец": S,
                "ОбъектВладелец_Type": S,
                "Фамилия": S,
                "Имя": S,
                "Отчество": S,
                "Должность": S,
                "Комментарий": S,
            },
            "sections": {"КонтактнаяИнформация": _CONTACT_INFO},
        },
        "Catalog_ДоговорыКонтрагентов": {"fields": contracts, "sections": contract_sections},
        "Catalog_Номенклатура": {"fields": goods, "sections": goods_sections},
        "Catalog_ТипыЦенНоменклатуры": {
            "fields": _CATALOG | {"ВалютаЦены_Key": G, "ЦенаВключаетНДС": B},
        },
        "InformationRegister_ЦеныНоменклатуры": {
            "kind": "register",
            "key": ["Period", "ТипЦен_Key", "Номенклатура_Key"],
            "fields": {
                "Period": D,
                "Recorder": S,
                "Recorder_Type": S,
                "LineNumber": "Edm.Int64",
                "Active": B,
                "ТипЦен_Key": G,
                "Номенклатура_Key": G,
                "Цена": N,
                "Валюта_Key": G,
            },
        },
        "Document_ПоступлениеНаРасчетныйСчет": {
            "kind": "document",
            "fields": _DOCUMENT
            | {
                "ВидОперации": S,
                "Организация_Key": G,
                "Контрагент": S,
                "Контрагент_Type": S,
                "СуммаДокумента": N,
                "ВалютаДокумента_Key": G,
                "НазначениеПлатежа": S,
                "НомерВходящегоДокумента": S,
                "Комментарий": S,
            },
            "sections": {
                "РасшифровкаПлатежа": {
                    "LineNumber": "Edm.Int64",
                    "ДоговорКонтрагента_Key": G,
                    "СуммаПлатежа": N,
                    "СчетНаОплату_Key": G,
                }
            },
        },
        "Document_СчетНаОплатуПокупателю": {
            "kind": "document",
            "fields": _DOCUMENT
            | {
                "Организация_Key": G,
                "Контрагент_Key": G,
                "ДоговорКонтрагента_Key": G,
                "ВалютаДокумента_Key": G,
                "СуммаДокумента": N,
                "СуммаВключаетНДС": B,
                "ДатаОплаты": D,
                "Комментарий": S,
            },
            "sections": {"Товары": _GOODS_ROWS, "Услуги": _GOODS_ROWS},
        },
    }


def _ut11() -> dict[str, dict[str, Any]]:
    return {
        "Catalog_Организации": {
            "fields": _CATALOG | {"НаименованиеПолное": S, "ИНН": S, "КПП": S},
        },
        "Catalog_Валюты": {"fields": _CATALOG | {"НаименованиеПолное": S}},
        "Catalog_Партнеры": {
            "fields": _CATALOG
            | _HIERARCHY
            | {
                "НаименованиеПолное": S,
                "Клиент": B,
                "Поставщик": B,
                "ЮрФизЛицо": S,
                "ОсновнойМенеджер_Key": G,
                "Комментарий": S,
            },
            "sections": {"КонтактнаяИнформация": _CONTACT_INFO},
        },
        "Catalog_Контрагенты": {
            "fields": _CATALOG
            | {
                "НаименованиеПолное": S,
                "ИНН": S,
                "КПП": S,
                "ЮрФизЛицо": S,
                "Партнер_Key": G,
                "Комментарий": S,
            },
            "sections": {"КонтактнаяИнформация": _CONTACT_INFO},
        },
        "Catalog_КонтактныеЛицаПартнеров": {
            "fields": _CATALOG
            | {
                "Owner_Key": G,
                "Фамилия": S,
                "Имя": S,
                "Отчество": S,
                "ДолжностьПоВизитке": S,
            },
            "sections": {"КонтактнаяИнформация": _CONTACT_INFO},
        },
        "Catalog_ДоговорыКонтрагентов": {
            "fields": _CATALOG
            | {
                "Номер": S,
                "Дата": D,
                "Организация_Key": G,
                "Контрагент_Key": G,
                "Партнер_Key": G,
                "ХозяйственнаяОперация": S,
                "ДатаОкончанияДействия": D,
                "Статус": S,
            },
        },
        "Catalog_Номенклатура": {
            "fields": _CATALOG
            | _HIERARCHY
            | {
                "НаименованиеПолное": S,
                "Артикул": S,
                "ТипНоменклатуры": S,
                "ЕдиницаИзмерения_Key": G,
                "СтавкаНДС": S,
                "Описание": S,
            },
        },
        "Catalog_ВидыЦен": {"fields": _CATALOG | {"ВалютаЦены_Key": G, "ЦенаВключаетНДС": B}},
        "InformationRegister_ЦеныНоменклатуры": {
            "kind": "register",
            "key": ["Period", "ВидЦены_Key", "Номенклатура_Key", "Характеристика_Key"],
            "fields": {
                "Period": D,
                "Recorder": S,
                "Recorder_Type": S,
                "Active": B,
                "Номенклатура_Key": G,
                "Характеристика_Key": G,
                "ВидЦены_Key": G,
                "Цена": N,
                "Валюта_Key": G,
            },
        },
        "Document_ПоступлениеБезналичныхДенежныхСредств": {
            "kind": "document",
            "fields": _DOCUMENT
            | {
                "ХозяйственнаяОперация": S,
                "Организация_Key": G,
                "Контрагент_Key": G,
                "СуммаДокумента": N,
                "Валюта_Key": G,
                "НазначениеПлатежа": S,
            },
            "sections": {
                "РасшифровкаПлатежа": {
                    "LineNumber": "Edm.Int64",
                    "Партнер_Key": G,
                    "Заказ": S,
                    "Заказ_Type": S,
                    "Сумма": N,
                }
            },
        },
        "Document_СчетНаОплатуКлиенту": {
            "kind": "document",
            "fields": _DOCUMENT
            | {
                "Организация_Key": G,
                "Партнер_Key": G,
                "Контрагент_Key": G,
                "Договор_Key": G,
                "Валюта_Key": G,
                "СуммаДокумента": N,
                "ЦенаВключаетНДС": B,
                "Комментарий": S,
            },
            "sections": {"Товары": _GOODS_ROWS},
        },
    }


def _custom() -> dict[str, dict[str, Any]]:
    fields, sections = _schema_from_sample("custom_Catalog_Контрагенты_element.json")
    sections["Комментарии"] = {"LineNumber": "Edm.Int64", "Комментарий": S}
    sections["Договоры"] = {"LineNumber": "Edm.Int64", "Договор": S}
    return {"Catalog_Контрагенты": {"fields": fields, "sections": sections}}


SCHEMAS = {"bp30": _bp30, "ut11": _ut11, "custom": _custom}


def edmx(schema: dict[str, dict[str, Any]]) -> str:
    """An EDMX document in the shape 1C publishes (OData v3, namespace StandardODATA)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">',
        '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/'
        'metadata" m:DataServiceVersion="3.0">',
        '<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">',
    ]
    associations = []
    for name, spec in schema.items():
        key = spec.get("key") or ["Ref_Key"]
        out.append(f"<EntityType Name={quoteattr(name)}>")
        out.append("<Key>" + "".join(f"<PropertyRef Name={quoteattr(k)}/>" for k in key) + "</Key>")
        for field, edm in spec["fields"].items():
            nullable = "false" if field in key else "true"
            out.append(
                f'<Property Name={quoteattr(field)} Type={quoteattr(edm)} Nullable="{nullable}"/>'
            )
        for section in spec.get("sections", {}):
            row = f"StandardODATA.{name}_{section}_RowType"
            out.append(
                f"<Property Name={quoteattr(section)} Type={quoteattr(f'Collection({row})')} "
                'Nullable="false"/>'
            )
        for field in spec["fields"]:
            if field.endswith("_Key") and field != "Ref_Key":
                nav = field[:-4]
                relation = f"{name}_{nav}"
                associations.append(relation)
                out.append(
                    f"<NavigationProperty Name={quoteattr(nav)} "
                    f"Relationship={quoteattr('StandardODATA.' + relation)} "
                    'FromRole="Begin" ToRole="End"/>'
                )
        out.append("</EntityType>")
        for section, rows in spec.get("sections", {}).items():
            out.append(f"<ComplexType Name={quoteattr(f'{name}_{section}_RowType')}>")
            for field, edm in rows.items():
                out.append(
                    f'<Property Name={quoteattr(field)} Type={quoteattr(edm)} Nullable="true"/>'
                )
            out.append("</ComplexType>")
    for relation in associations:
        out.append(
            f"<Association Name={quoteattr(relation)}>"
            '<End Role="Begin" Type="StandardODATA.Begin" Multiplicity="*"/>'
            '<End Role="End" Type="StandardODATA.End" Multiplicity="0..1"/></Association>'
        )
    out.append('<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">')
    for name in schema:
        out.append(
            f"<EntitySet Name={quoteattr(name)} EntityType={quoteattr('StandardODATA.' + name)}/>"
        )
    for relation in associations:
        out.append(
            f"<AssociationSet Name={quoteattr(relation)} "
            f"Association={quoteattr('StandardODATA.' + relation)}/>"
        )
    out.append("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>")
    return "\n".join(out)


# --- $filter ---------------------------------------------------------------------------


class FilterError(ValueError):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<guid>guid'[0-9a-fA-F-]{36}')|(?P<dt>datetime'[^']*')|(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<paren>[()])|(?P<word>[\w@/]+))",
    re.UNICODE,
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}


def _tokens(text: str) -> list[tuple[str, Any]]:
    result: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise FilterError(f"Синтаксическая ошибка в $filter около позиции {pos}")
        pos = found.end()
        kind = found.lastgroup
        raw = found.group(kind)
        if kind == "guid":
            result.append(("lit", raw[5:-1].lower()))
        elif kind == "dt":
            value = raw[9:-1]
            if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", value):
                raise FilterError(f"Неправильный литерал даты: {raw}")
            result.append(("lit", value if len(value) == 19 else value + ":00"))
        elif kind == "str":
            result.append(("lit", raw[1:-1].replace("''", "'")))
        elif kind == "num":
            result.append(("lit", float(raw)))
        elif kind == "paren":
            result.append((raw, raw))
        elif raw in ("true", "false"):
            result.append(("lit", raw == "true"))
        elif raw in _OPS or raw in ("and", "or", "not"):
            result.append((raw, raw))
        else:
            result.append(("field", raw))
        pos = found.end()
    return result


class _Parser:
    def __init__(self, text: str, fields: set[str]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.fields = fields

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        if self.pos >= len(self.tokens):
            raise FilterError("Неожиданный конец выражения $filter")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        node = self.expr()
        if self.pos != len(self.tokens):
            raise FilterError(f"Лишние символы в $filter: {self.tokens[self.pos][1]}")
        return node

    def expr(self):
        node = self.conj()
        while self.peek() == "or":
            self.take()
            node = ("or", node, self.conj())
        return node

    def conj(self):
        node = self.unary()
        while self.peek() == "and":
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self):
        if self.peek() == "not":
            self.take()
            return ("not", self.unary())
        return self.comparison()

    def operand(self):
        kind, value = self.take()
        if kind == "field":
            if value not in self.fields:
                raise FilterError(f"Неправильный путь к полю: {value}")
            return ("field", value)
        if kind == "lit":
            return ("lit", value)
        if kind == "(":
            node = self.expr()
            if self.take()[0] != ")":
                raise FilterError("Ожидалась закрывающая скобка")
            return node
        raise FilterError(f"Неожиданный элемент $filter: {value}")

    def comparison(self):
        left = self.operand()
        if self.peek() in _OPS:
            op = self.take()[0]
            right = self.operand()
            return (op, left, right)
        return left


def _value(node, element: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "field":
        value = element.get(node[1])
        return value.lower() if isinstance(value, str) and _is_guid(value) else value
    if kind == "lit":
        return node[1]
    return _eval(node, element)


def _is_guid(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F-]{36}", value))


def _eval(node, element: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "and":
        return bool(_eval(node[1], element)) and bool(_eval(node[2], element))
    if kind == "or":
        return bool(_eval(node[1], element)) or bool(_eval(node[2], element))
    if kind == "not":
        return not _value(node[1], element)
    if kind in _OPS:
        left, right = _value(node[1], element), _value(node[2], element)
        if kind == "eq":
            return left == right
        if kind == "ne":
            return left != right
        if left is None or right is None:
            return False
        try:
            return {
                "gt": left > right,
                "ge": left >= right,
                "lt": left < right,
                "le": left <= right,
            }[kind]
        except TypeError as exc:
            raise FilterError("Несовместимые типы в сравнении") from exc
    return _value(node, element)


# --- the server ---------------------------------------------------------------------------


def _load(file: str) -> dict[str, Any]:
    data = json.loads((SAMPLES / file).read_text(encoding="utf-8"))
    element = data["value"][0] if "value" in data else data
    return {k: v for k, v in element.items() if "@" not in k and not k.startswith("odata.")}


class ODataServer:
    """``with ODataServer("bp30") as server: server.url`` -> ``http://127.0.0.1:port/base``."""

    def __init__(
        self, configuration: str = "bp30", *, username: str = "odata", password: str = "secret"
    ) -> None:
        self.configuration = configuration
        self.schema = SCHEMAS[configuration]()
        self.username = username
        self.password = password
        self.data: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.schema}
        self.requests: list[tuple[str, str]] = []
        # Play "1C went away": once ``down`` (or ``fail_when(path)`` is true) every request
        # is dropped without an answer.
        self.down = False
        self.fail_when: Any = None
        self._versions = 0
        self._numbers = 0
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        seed = {"bp30": _seed_bp30, "ut11": _seed_ut11, "custom": _seed_custom}[configuration]
        seed(self)

    # -- data --------------------------------------------------------------------------
    def _version(self) -> str:
        self._versions += 1
        return base64.b64encode(self._versions.to_bytes(8, "big")).decode("ascii")

    def _key(self, entity_set: str, element: dict[str, Any]) -> str:
        key = self.schema[entity_set].get("key") or ["Ref_Key"]
        return "|".join(str(element.get(k, "")) for k in key)

    def _complete(self, entity_set: str, element: dict[str, Any]) -> dict[str, Any]:
        spec = self.schema[entity_set]
        full: dict[str, Any] = {}
        for field, edm in spec["fields"].items():
            if field in element:
                full[field] = element[field]
            elif edm == G:
                full[field] = EMPTY
            elif edm == B:
                full[field] = False
            elif edm == D:
                full[field] = EMPTY_DATE
            elif edm == N:
                full[field] = 0
            elif field.endswith("_Type"):
                full[field] = "StandardODATA.Undefined"
            else:
                full[field] = ""
        for section, rows in spec.get("sections", {}).items():
            full[section] = [
                {
                    **{
                        f: ("" if e == S else 0 if e == N else EMPTY if e == G else False)
                        for f, e in rows.items()
                        if f != "LineNumber"
                    },
                    **row,
                    "LineNumber": str(number),
                }
                for number, row in enumerate(element.get(section, []), start=1)
            ]
        return full

    def add(self, entity_set: str, element: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            element = dict(element)
            if "Ref_Key" in self.schema[entity_set]["fields"]:
                element.setdefault("Ref_Key", str(uuid.uuid4()))
                element["DataVersion"] = element.get("DataVersion") or self._version()
            full = self._complete(entity_set, element)
            self.data[entity_set][self._key(entity_set, full)] = full
            return copy.deepcopy(full)

    def edit(self, entity_set: str, ref_key: str, **changes: Any) -> dict[str, Any]:
        """Change an element as a 1C user would: its DataVersion changes too."""
        with self.lock:
            element = self.data[entity_set][ref_key]
            element.update(changes)
            if "DataVersion" in element:
                element["DataVersion"] = self._version()
            return copy.deepcopy(element)

    def get(self, entity_set: str, ref_key: str) -> dict[str, Any]:
        return copy.deepcopy(self.data[entity_set][ref_key])

    def elements(self, entity_set: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(e) for e in self.data[entity_set].values()]

    # -- lifecycle ---------------------------------------------------------------------
    url = ""  # http://127.0.0.1:<port>/base once started

    def start(self) -> ODataServer:
        server = self

        class Handler(_Handler):
            odata = server

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}/base"
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self) -> ODataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    odata: ODataServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- answers -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        self._send(status, body, "application/json;charset=utf-8")

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(
            status, {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
        )

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.odata.username}:{self.odata.password}".encode()).decode(
            "ascii"
        )
        if header == f"Basic {expected}":
            return True
        self._send(401, b"Unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="1C"'})
        return False

    def _route(self) -> tuple[str, str | None, dict[str, str]] | None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        if not path.startswith(PREFIX):
            self._send(404, b"Not found", "text/plain")
            return None
        resource = path[len(PREFIX) :]
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        match = re.fullmatch(r"([^()/]+)\(guid'([0-9a-fA-F-]{36})'\)", resource)
        if match:
            return match.group(1), match.group(2).lower(), params
        return resource, None, params

    # -- verbs ---------------------------------------------------------------------------
    def _dropped(self) -> bool:
        odata = self.odata
        if odata.fail_when is not None and odata.fail_when(unquote(self.path)):
            odata.down = True
        if odata.down:
            self.close_connection = True
        return odata.down

    def do_GET(self) -> None:
        self.odata.requests.append(("GET", unquote(self.path)))
        if self._dropped() or not self._authorised():
            return
        route = self._route()
        if route is None:
            return
        resource, ref, params = route
        if resource == "$metadata":
            body = edmx(self.odata.schema).encode("utf-8")
            self._send(200, body, "application/xml;charset=utf-8")
            return
        if resource not in self.odata.schema:
            self._error(404, "9", f"Не найден ресурс: {resource}")
            return
        if params.get("$format", "").split(";")[0] != "json":
            self._error(400, "1", "Поддерживается только $format=json в этой заглушке")
            return
        with self.odata.lock:
            rows = [copy.deepcopy(e) for e in self.odata.data[resource].values()]
        spec = self.odata.schema[resource]
        known = set(spec["fields"]) | set(spec.get("sections", {}))
        try:
            select = self._select(params.get("$select", ""), known)
            if ref is not None:
                element = next((r for r in rows if str(r.get("Ref_Key")).lower() == ref), None)
                if element is None:
                    self._error(404, "9", "Объект не найден")
                    return
                self._json(200, self._shape(resource, element, select, single=True))
                return
            if params.get("$filter"):
                tree = _Parser(params["$filter"], known).parse()
                rows = [r for r in rows if _eval(tree, r)]
            count = len(rows)
            rows = self._order(rows, params.get("$orderby", ""), known)
            skip = int(params.get("$skip") or 0)
            top = params.get("$top")
            rows = rows[skip:] if top is None else rows[skip : skip + int(top)]
        except (FilterError, ValueError) as exc:
            self._error(400, "6", str(exc))
            return
        answer: dict[str, Any] = {
            "odata.metadata": f"{self.odata.url}/odata/standard.odata/$metadata#{resource}",
        }
        if params.get("$inlinecount") == "allpages":
            answer["odata.count"] = str(count)
        answer["value"] = [self._shape(resource, r, select) for r in rows]
        self._json(200, answer)

    def do_POST(self) -> None:
        self.odata.requests.append(("POST", unquote(self.path)))
        if self._dropped() or not self._authorised():
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        route = self._route()
        if route is None:
            return
        resource, ref, _params = route
        if resource not in self.odata.schema or ref is not None:
            self._error(404, "9", f"Не найден ресурс: {resource}")
            return
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            self._error(400, "1", "Неправильный формат JSON")
            return
        spec = self.odata.schema[resource]
        known = set(spec["fields"]) | set(spec.get("sections", {}))
        unknown = sorted(set(data) - known)
        if unknown:
            self._error(400, "6", f"Неизвестное свойство: {unknown[0]}")
            return
        for section, rows in spec.get("sections", {}).items():
            for row in data.get(section, []):
                extra = sorted(set(row) - set(rows))
                if extra:
                    self._error(400, "6", f"Неизвестное свойство: {section}/{extra[0]}")
                    return
        data.pop("Ref_Key", None)
        if spec.get("kind") == "document":
            self.odata._numbers += 1
            data.setdefault("Number", f"0000-{self.odata._numbers:06d}")
        element = self.odata.add(resource, data)
        self._json(201, self._shape(resource, element, None, single=True))

    # -- shaping -------------------------------------------------------------------------
    @staticmethod
    def _select(text: str, known: set[str]) -> list[str] | None:
        if not text or text.strip() == "*":
            return None
        names = [n.strip() for n in text.split(",") if n.strip()]
        for name in names:
            if name not in known:
                raise FilterError(f"Неправильный путь к полю в $select: {name}")
        return names

    @staticmethod
    def _order(rows: list[dict[str, Any]], text: str, known: set[str]) -> list[dict[str, Any]]:
        for part in reversed([p.strip() for p in text.split(",") if p.strip()]):
            bits = part.split()
            name = bits[0]
            if name not in known:
                raise FilterError(f"Неправильный путь к полю в $orderby: {name}")
            descending = len(bits) > 1 and bits[1].lower() == "desc"
            rows.sort(key=lambda r: str(r.get(name, "")), reverse=descending)
        return rows

    def _shape(
        self, resource: str, element: dict[str, Any], select: list[str] | None, *, single=False
    ) -> dict[str, Any]:
        shaped = {k: v for k, v in element.items() if select is None or k in select}
        if single:
            shaped = {
                "odata.metadata": f"{self.odata.url}/odata/standard.odata/$metadata#"
                f"{resource}/@Element",
                **shaped,
            }
        if select is None and "Ref_Key" in element:
            for field in self.odata.schema[resource]["fields"]:
                if field.endswith("_Key") and field != "Ref_Key":
                    nav = field[:-4]
                    shaped[f"{nav}@navigationLinkUrl"] = (
                        f"{resource}(guid'{element['Ref_Key']}')/{nav}"
                    )
        return shaped


# --- seed data ----------------------------------------------------------------------------

ORG = "87fa6cc2-e901-11ea-8591-000c29b45b09"
RUB = "a192de9a-d84c-11ea-8133-0050569f62a1"
# The counterparty the sample contract belongs to (Owner_Key of the sample).
BP_CLIENT = "b7569c0f-f670-11ea-8591-000c29b45b09"
BP_PERSON = "b7569c11-f670-11ea-8591-000c29b45b09"
BP_FOLDER = "b7569c12-f670-11ea-8591-000c29b45b09"
BP_CONTACT = "c1a2b3c4-f670-11ea-8591-000c29b45b09"
# The nomenclature element of the sample ("Мойка").
BP_GOODS = "f02ce7b3-e3b3-11eb-b4ad-000c29b45b09"
BP_SERVICE = "f02ce7b4-e3b3-11eb-b4ad-000c29b45b09"
BP_PRICE_TYPE = "f40235c0-d84c-11ea-8133-0050569f62a1"
BP_PAYMENT = "d0d0d0d0-f670-11ea-8591-000c29b45b09"


def _contact_info(phone: str = "", email: str = "", address: str = "") -> list[dict[str, Any]]:
    rows = []
    if address:
        rows.append(
            {
                "Тип": "Адрес",
                "Вид_Key": "f4023530-d84c-11ea-8133-0050569f62a1",
                "Представление": address,
                "ЗначенияПолей": (
                    '<КонтактнаяИнформация xmlns="http://www.v8.1c.ru/ssl/contactinfo" '
                    f'Представление="{address}"><Комментарий/><Состав Страна="РОССИЯ"/>'
                    "</КонтактнаяИнформация>"
                ),
                "Страна": "РОССИЯ",
                "Город": "Москва",
            }
        )
    if phone:
        rows.append(
            {
                "Тип": "Телефон",
                "Вид_Key": "f4023531-d84c-11ea-8133-0050569f62a1",
                "Представление": phone,
                "НомерТелефона": phone,
            }
        )
    if email:
        rows.append(
            {
                "Тип": "АдресЭлектроннойПочты",
                "Вид_Key": "f4023532-d84c-11ea-8133-0050569f62a1",
                "Представление": email,
                "АдресЭП": email,
                "ДоменноеИмяСервера": email.split("@")[-1],
            }
        )
    return rows


def _seed_bp30(server: ODataServer) -> None:
    server.add(
        "Catalog_Организации",
        {"Ref_Key": ORG, "Description": "Наша фирма", "ИНН": "7707083893", "КПП": "773601001"},
    )
    server.add(
        "Catalog_Валюты",
        {
            "Ref_Key": RUB,
            "Code": "643",
            "Description": "руб.",
            "НаименованиеПолное": "Российский рубль",
        },
    )
    server.add(
        "Catalog_Контрагенты", {"Ref_Key": BP_FOLDER, "Description": "Покупатели", "IsFolder": True}
    )
    server.add(
        "Catalog_Контрагенты",
        {
            "Ref_Key": BP_CLIENT,
            "Parent_Key": BP_FOLDER,
            "Code": "00-000001",
            "Description": "Ромашка ООО",
            "НаименованиеПолное": "Общество с ограниченной ответственностью «Ромашка»",
            "ИНН": "7736207543",
            "КПП": "773601001",
            "ЮридическоеФизическоеЛицо": "ЮридическоеЛицо",
            "ОсновнойДоговорКонтрагента_Key": "b7569c10-f670-11ea-8591-000c29b45b09",
            "КонтактнаяИнформация": _contact_info(
                "+7 495 123-45-67", "info@romashka.ru", "117312, Москва г, Вавилова ул, дом 19"
            ),
        },
    )
    server.add(
        "Catalog_Контрагенты",
        {
            "Ref_Key": BP_PERSON,
            "Code": "00-000002",
            "Description": "Иванов Пётр Сергеевич",
            "НаименованиеПолное": "Иванов Пётр Сергеевич",
            "ИНН": "500100732259",
            "ЮридическоеФизическоеЛицо": "ФизическоеЛицо",
            "КонтактнаяИнформация": _contact_info("+7 916 555-00-11", "ivanov@example.ru"),
        },
    )
    server.add(
        "Catalog_КонтактныеЛица",
        {
            "Ref_Key": BP_CONTACT,
            "Description": "Сидорова Анна Викторовна",
            "ОбъектВладелец": BP_CLIENT,
            "ОбъектВладелец_Type": "StandardODATA.Catalog_Контрагенты",
            "Фамилия": "Сидорова",
            "Имя": "Анна",
            "Отчество": "Викторовна",
            "Должность": "Главный бухгалтер",
            "КонтактнаяИнформация": _contact_info("+7 495 123-45-68", "buh@romashka.ru"),
        },
    )
    server.add("Catalog_ДоговорыКонтрагентов", _load("bp30_Catalog_ДоговорыКонтрагентов_list.json"))
    server.add("Catalog_Номенклатура", _load("bp30_Catalog_Номенклатура_list.json"))
    server.add(
        "Catalog_Номенклатура",
        {
            "Ref_Key": BP_SERVICE,
            "Code": "00-00000002",
            "Description": "Доставка",
            "НаименованиеПолное": "Доставка по Москве",
            "Артикул": "DLV-1",
            "Услуга": True,
            "ВидСтавкиНДС": "Общая",
        },
    )
    server.add(
        "Catalog_ТипыЦенНоменклатуры",
        {
            "Ref_Key": BP_PRICE_TYPE,
            "Description": "Основная цена продажи",
            "ВалютаЦены_Key": RUB,
            "ЦенаВключаетНДС": True,
        },
    )
    for period, product, price in (
        ("2021-07-01T00:00:00", BP_GOODS, 1500),
        ("2021-08-01T00:00:00", BP_GOODS, 1750.5),
        ("2021-07-01T00:00:00", BP_SERVICE, 500),
    ):
        server.add(
            "InformationRegister_ЦеныНоменклатуры",
            {
                "Period": period,
                "Recorder": str(uuid.uuid4()),
                "Recorder_Type": "StandardODATA.Document_УстановкаЦенНоменклатуры",
                "LineNumber": "1",
                "Active": True,
                "ТипЦен_Key": BP_PRICE_TYPE,
                "Номенклатура_Key": product,
                "Цена": price,
                "Валюта_Key": RUB,
            },
        )
    server.add(
        "Document_ПоступлениеНаРасчетныйСчет",
        {
            "Ref_Key": BP_PAYMENT,
            "Number": "0000-000011",
            "Date": "2021-09-01T12:00:00",
            "Posted": True,
            "ВидОперации": "ОплатаПокупателя",
            "Организация_Key": ORG,
            "Контрагент": BP_CLIENT,
            "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
            "СуммаДокумента": 3000,
            "ВалютаДокумента_Key": RUB,
            "НазначениеПлатежа": "Оплата по договору",
            "РасшифровкаПлатежа": [
                {
                    "ДоговорКонтрагента_Key": "b7569c10-f670-11ea-8591-000c29b45b09",
                    "СуммаПлатежа": 3000,
                }
            ],
        },
    )


UT_PARTNER = "5a1c0001-0000-11ee-8000-000c29000001"
UT_CLIENT = "5a1c0002-0000-11ee-8000-000c29000002"
UT_CONTACT = "5a1c0003-0000-11ee-8000-000c29000003"
UT_GOODS = "5a1c0004-0000-11ee-8000-000c29000004"
UT_PRICE_TYPE = "5a1c0005-0000-11ee-8000-000c29000005"
UT_PAYMENT = "5a1c0006-0000-11ee-8000-000c29000006"


def _seed_ut11(server: ODataServer) -> None:
    server.add(
        "Catalog_Организации",
        {"Ref_Key": ORG, "Description": "Торговый дом", "ИНН": "7707083893", "КПП": "773601001"},
    )
    server.add("Catalog_Валюты", {"Ref_Key": RUB, "Code": "643", "Description": "руб."})
    server.add(
        "Catalog_Партнеры",
        {
            "Ref_Key": UT_PARTNER,
            "Description": "Василёк",
            "НаименованиеПолное": "Торговая сеть Василёк",
            "Клиент": True,
            "ЮрФизЛицо": "Компания",
            "КонтактнаяИнформация": _contact_info("+7 812 700-00-01", "zakaz@vasilek.ru"),
        },
    )
    server.add(
        "Catalog_Контрагенты",
        {
            "Ref_Key": UT_CLIENT,
            "Description": "Василёк АО",
            "НаименованиеПолное": "Акционерное общество «Василёк»",
            "ИНН": "7728168971",
            "КПП": "780201001",
            "ЮрФизЛицо": "ЮрЛицо",
            "Партнер_Key": UT_PARTNER,
            "КонтактнаяИнформация": _contact_info(
                address="190000, Санкт-Петербург г, Невский пр-кт, дом 1"
            ),
        },
    )
    server.add(
        "Catalog_КонтактныеЛицаПартнеров",
        {
            "Ref_Key": UT_CONTACT,
            "Owner_Key": UT_PARTNER,
            "Description": "Петров Игорь",
            "Фамилия": "Петров",
            "Имя": "Игорь",
            "ДолжностьПоВизитке": "Закупщик",
            "КонтактнаяИнформация": _contact_info("+7 921 000-11-22", "petrov@vasilek.ru"),
        },
    )
    server.add(
        "Catalog_ДоговорыКонтрагентов",
        {
            "Description": "Договор поставки № 15 от 10.01.2024",
            "Номер": "15",
            "Дата": "2024-01-10T00:00:00",
            "Организация_Key": ORG,
            "Контрагент_Key": UT_CLIENT,
            "Партнер_Key": UT_PARTNER,
            "ХозяйственнаяОперация": "РеализацияКлиенту",
            "Статус": "Действует",
        },
    )
    server.add(
        "Catalog_Номенклатура",
        {
            "Ref_Key": UT_GOODS,
            "Description": "Чайник электрический",
            "НаименованиеПолное": "Чайник электрический 1,7 л",
            "Артикул": "KT-17",
            "ТипНоменклатуры": "Товар",
            "СтавкаНДС": "НДС20",
        },
    )
    server.add(
        "Catalog_ВидыЦен",
        {
            "Ref_Key": UT_PRICE_TYPE,
            "Description": "Розничная",
            "ВалютаЦены_Key": RUB,
            "ЦенаВключаетНДС": True,
        },
    )
    server.add(
        "InformationRegister_ЦеныНоменклатуры",
        {
            "Period": "2024-02-01T00:00:00",
            "Номенклатура_Key": UT_GOODS,
            "ВидЦены_Key": UT_PRICE_TYPE,
            "Цена": 2490,
            "Валюта_Key": RUB,
            "Active": True,
        },
    )
    server.add(
        "Document_ПоступлениеБезналичныхДенежныхСредств",
        {
            "Ref_Key": UT_PAYMENT,
            "Number": "ТД00-000005",
            "Date": "2024-03-05T10:00:00",
            "Posted": True,
            "ХозяйственнаяОперация": "ПоступлениеОплатыОтКлиента",
            "Организация_Key": ORG,
            "Контрагент_Key": UT_CLIENT,
            "СуммаДокумента": 2490,
            "Валюта_Key": RUB,
            "НазначениеПлатежа": "Оплата за чайник",
            "РасшифровкаПлатежа": [{"Партнер_Key": UT_PARTNER, "Сумма": 2490}],
        },
    )


def _seed_custom(server: ODataServer) -> None:
    server.add("Catalog_Контрагенты", _load("custom_Catalog_Контрагенты_element.json"))
