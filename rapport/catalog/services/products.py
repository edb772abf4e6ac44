"""Writes of products: create, change (with user-defined properties), trash, restore."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import services as core_services
from rapport.core.history import save_as
from rapport.core.models import PropertyTarget, User
from rapport.core.properties import clean_property_values

from ..models import (
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)
from ._common import (
    _raise,
    _require_manager,
    _required,
    _text,
    _unknown_fields,
)

PRODUCT_FIELDS = (
    "name",
    "kind",
    "sku",
    "barcode",
    "group",
    "unit",
    "vat_rate",
    "description",
    "properties",
    "is_active",
)


def _clean_product(
    *, product: Product, data: dict[str, Any], properties: dict[str, Any] | None
) -> None:
    errors: dict[str, list[str]] = {}
    product.name = _text(data["name"], "name", errors, max_length=300)
    _required(product.name, "name", errors)
    if data["kind"] not in ProductKind.values:
        errors.setdefault("kind", []).append(
            _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ProductKind.values)}
        )
    product.kind = data["kind"]
    product.sku = _text(data["sku"], "sku", errors, max_length=64)
    product.barcode = _text(data["barcode"], "barcode", errors, max_length=64)
    product.description = _text(data["description"], "description", errors, max_length=20000)
    product.is_active = bool(data["is_active"])
    for field, model in (("group", ProductGroup), ("unit", Unit), ("vat_rate", VatRate)):
        value = data[field]
        if value is not None and not isinstance(value, model):
            errors.setdefault(field, []).append(_("Choose a valid option."))
        else:
            setattr(product, field, value)
    others = Product.objects.alive().exclude(pk=product.pk)
    if product.sku and others.filter(sku=product.sku).exists():
        errors.setdefault("sku", []).append(
            _("Another product already has the SKU “%(sku)s”.") % {"sku": product.sku}
        )
    if product.barcode and others.filter(barcode=product.barcode).exists():
        errors.setdefault("barcode", []).append(
            _("Another product already has the barcode “%(code)s”.") % {"code": product.barcode}
        )
    try:
        product.properties = clean_property_values(
            target=PropertyTarget.PRODUCT, values=properties, existing=product.properties
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    _raise(errors)


@transaction.atomic
def product_create(
    *,
    actor: User,
    name: str,
    kind: str = ProductKind.GOODS,
    sku: str = "",
    barcode: str = "",
    group: ProductGroup | None = None,
    unit: Unit | None = None,
    vat_rate: VatRate | None = None,
    description: str = "",
    properties: dict[str, Any] | None = None,
    is_active: bool = True,
) -> Product:
    _require_manager(actor)
    product = Product(created_by=actor, properties={})
    data = {
        "name": name,
        "kind": kind,
        "sku": sku,
        "barcode": barcode,
        "group": group,
        "unit": unit,
        "vat_rate": vat_rate,
        "description": description,
        "is_active": is_active,
    }
    # Required properties are checked on create even when none are given.
    _clean_product(product=product, data=data, properties=properties or {})
    save_as(actor, product)
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, **changes: Any) -> Product:
    """Change the given fields (any of PRODUCT_FIELDS); ``properties`` are merged into
    the existing values (None or "" removes one)."""
    _require_manager(actor)
    _unknown_fields(changes, PRODUCT_FIELDS)
    data = {f: getattr(product, f) for f in PRODUCT_FIELDS if f != "properties"}
    data.update({k: v for k, v in changes.items() if k != "properties"})
    _clean_product(product=product, data=data, properties=changes.get("properties"))
    product.updated_at = timezone.now()
    save_as(actor, product)
    return product


def product_trash(*, actor: User, product: Product) -> None:
    _require_manager(actor)
    core_services.record_trash(actor=actor, record=product)


def product_restore(*, actor: User, product: Product) -> None:
    _require_manager(actor)
    core_services.record_restore(actor=actor, record=product)
