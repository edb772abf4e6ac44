"""Reading 1C's ``$metadata`` (EDMX, OData v3): which objects are published, with which fields.

1C describes every published object as an ``EntityType`` (``Catalog_Контрагенты``,
``Document_СчетНаОплатуПокупателю``, ``InformationRegister_ЦеныНоменклатуры``...) listed
as an ``EntitySet`` of the ``EnterpriseV8`` container; a tabular section is a property of
type ``Collection(StandardODATA.<Object>_<Section>_RowType)`` whose row fields are a
``ComplexType``. The field names depend on the configuration and its version, so the
connector maps only the fields this infobase actually publishes (``mapping.py``).

The document is read streaming with ``onec/xml.py`` (DTDs and entities refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rapport.exchange.onec.xml import iter_elements, local

_COLLECTION = "Collection("


def _short(type_name: str) -> str:
    """``StandardODATA.Catalog_X`` -> ``Catalog_X`` (``Edm.*`` kept as is)."""
    if type_name.startswith("Edm."):
        return type_name
    return type_name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    nullable: bool = True

    @property
    def is_collection(self) -> bool:
        return self.type.startswith(_COLLECTION)

    @property
    def row_type(self) -> str:
        """The row ComplexType's short name of a tabular section ("" otherwise)."""
        if not self.is_collection:
            return ""
        return _short(self.type[len(_COLLECTION) : -1])


@dataclass
class EntityType:
    name: str
    key: list[str] = field(default_factory=list)
    properties: dict[str, Property] = field(default_factory=dict)


@dataclass
class Metadata:
    """What ``$metadata`` says: entity sets with their types and the tabular rows' types."""

    entity_sets: dict[str, str] = field(default_factory=dict)  # set name -> type name
    entity_types: dict[str, EntityType] = field(default_factory=dict)
    complex_types: dict[str, dict[str, Property]] = field(default_factory=dict)

    def has(self, entity_set: str) -> bool:
        return entity_set in self.entity_sets

    def fields(self, entity_set: str) -> dict[str, Property]:
        """The properties of an entity set ({} if it is not published)."""
        type_name = self.entity_sets.get(entity_set)
        entity_type = self.entity_types.get(type_name or "")
        return dict(entity_type.properties) if entity_type else {}

    def row_fields(self, entity_set: str, section: str) -> dict[str, Property]:
        """The fields of the rows of a tabular section ({} if there is no such section)."""
        prop = self.fields(entity_set).get(section)
        if prop is None or not prop.is_collection:
            return {}
        return dict(self.complex_types.get(prop.row_type, {}))

    def key_of(self, entity_set: str) -> list[str]:
        entity_type = self.entity_types.get(self.entity_sets.get(entity_set, ""))
        return list(entity_type.key) if entity_type else []

    def names(self, prefix: str = "") -> list[str]:
        """The published entity sets (optionally only ``Catalog_``, ``Document_``...)."""
        return sorted(name for name in self.entity_sets if name.startswith(prefix))


def _properties(element: Any) -> dict[str, Property]:
    result: dict[str, Property] = {}
    for item in element:
        if local(item) != "Property":
            continue
        name = item.get("Name") or ""
        if not name:
            continue
        result[name] = Property(
            name=name,
            type=item.get("Type") or "Edm.String",
            nullable=(item.get("Nullable") or "true").lower() != "false",
        )
    return result


def read_metadata(source: str | Path | IO[bytes] | bytes) -> Metadata:
    """Parse an EDMX document (a path, a binary file or bytes). Raises ``XmlRefused``
    (a ValueError with a readable message) for what is not well-formed or safe XML."""
    if isinstance(source, bytes):
        import io

        source = io.BytesIO(source)
    meta = Metadata()
    for element in iter_elements(
        source, ("EntityType", "ComplexType", "EntitySet"), name="$metadata"
    ):
        kind = local(element)
        name = element.get("Name") or ""
        if not name:
            continue
        if kind == "EntityType":
            key = [
                ref.get("Name") or ""
                for part in element
                if local(part) == "Key"
                for ref in part
                if local(ref) == "PropertyRef"
            ]
            meta.entity_types[name] = EntityType(
                name=name, key=[k for k in key if k], properties=_properties(element)
            )
        elif kind == "ComplexType":
            meta.complex_types[name] = _properties(element)
        else:
            meta.entity_sets[name] = _short(element.get("EntityType") or name)
    return meta
