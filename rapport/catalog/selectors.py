"""Every read of the catalogue, starting from the access scope (rapport.core.access)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rapport.core import access
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget, Role, User
from rapport.parties.models import Client, Tag
from rapport.parties.selectors import HistoryEntry, _entries_from

from . import pricing
from .models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    StockLevel,
    Unit,
    VatRate,
)

# --- groups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupNode:
    group: ProductGroup
    depth: int
    product_count: int = 0


def group_tree(*, actor: User, with_counts: bool = False) -> list[GroupNode]:
    """Every group in tree order (parents before their children, siblings by position and
    name), with its depth; ``with_counts`` adds the number of live products directly in it."""
    qs = access.visible_to(actor, ProductGroup)
    if with_counts:
        qs = qs.annotate(
            n=Count("products", filter=Q(products__deleted_at__isnull=True), distinct=True)
        )
    groups = list(qs.order_by("position", "name"))
    children: dict[Any, list[ProductGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    result: list[GroupNode] = []

    def walk(parent_id: Any, depth: int) -> None:
        for group in children.get(parent_id, ()):
            result.append(GroupNode(group, depth, getattr(group, "n", 0)))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return result


def group_subtree_ids(group_id: Any) -> list[Any]:
    """A group and every group below it."""
    children: dict[Any, list[Any]] = {}
    for pk, parent_id in ProductGroup.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    result, stack, seen = [], [group_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        result.append(current)
        stack.extend(children.get(current, ()))
    return result


def group_get(*, actor: User, pk: Any) -> ProductGroup:
    return access.get_visible_or_404(actor, ProductGroup, pk)


def group_list(*, actor: User) -> QuerySet[ProductGroup]:
    return access.visible_to(actor, ProductGroup).select_related("parent")


# --- products ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilters:
    search: str = ""
    group: Any = None
    active: bool | None = None


def product_list(
    *, actor: User, filters: ProductFilters | None = None, include_trashed: bool = False
) -> QuerySet[Product]:
    """Products the actor sees, by name (then id, for keyset pagination). ``search``
    matches the name, SKU or barcode; ``group`` includes its subgroups."""
    filters = filters or ProductFilters()
    qs = access.visible_to(actor, Product, include_trashed=include_trashed).select_related(
        "group", "unit", "vat_rate"
    )
    search = (filters.search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(sku__icontains=search) | Q(barcode=search))
    if filters.group not in (None, ""):
        qs = qs.filter(group__in=group_subtree_ids(filters.group))
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("name", "id")


def product_page(
    queryset: QuerySet[Product], *, after: Any = None, size: int = 50
) -> tuple[list[Product], Any]:
    """One page of a product list ordered by (name, id), after the product ``after``
    (keyset: no OFFSET, no COUNT). Answers the rows and the id to continue after, or None."""
    if after:
        try:
            anchor = queryset.filter(pk=after).values_list("name", flat=True).first()
        except (ValueError, ValidationError):
            anchor = None
        if anchor is not None:
            queryset = queryset.filter(Q(name__gt=anchor) | Q(name=anchor, id__gt=after))
    rows = list(queryset.order_by("name", "id")[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


def products_by_ids(*, actor: User, ids: list[Any]) -> dict[str, Product]:
    """Visible live products by id (as text); unreadable ids are skipped."""
    clean = []
    for pk in ids:
        try:
            clean.append(uuid.UUID(str(pk)))
        except ValueError:
            continue
    qs = access.visible_to(actor, Product).filter(pk__in=clean).select_related("unit")
    return {str(p.pk): p for p in qs}


def product_get(*, actor: User, pk: Any) -> Product:
    return access.get_visible_or_404(
        actor,
        Product,
        pk,
        queryset=Product.objects.select_related("group", "unit", "vat_rate", "created_by"),
    )


@dataclass(frozen=True)
class CurrentPrice:
    price_type: PriceType
    currency: str
    price: Decimal
    price_list: PriceList


def product_prices(
    *, actor: User, product: Product, on: dt.date | None = None
) -> list[CurrentPrice]:
    """The product's current price per price type and currency: for each, the valid,
    active list with the latest start wins (the same rule as ``pricing.price_for``)."""
    on = on or timezone.localdate()
    items = (
        access.visible_to(actor, PriceListItem)
        .filter(
            product=product,
            price_list__is_active=True,
            price_list__valid_from__lte=on,
        )
        .filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=on))
        .select_related("price_list__price_type", "price_list")
        .order_by(
            "price_list__price_type__position",
            "price_list__price_type__name",
            "price_list__currency_id",
            "-price_list__valid_from",
        )
    )
    result: list[CurrentPrice] = []
    seen: set[tuple[Any, str]] = set()
    for item in items:
        key = (item.price_list.price_type_id, item.price_list.currency_id)
        if key in seen:
            continue
        seen.add(key)
        result.append(
            CurrentPrice(
                item.price_list.price_type, item.price_list.currency_id, item.price, item.price_list
            )
        )
    return result


def product_price_lists(*, actor: User, product: Product) -> QuerySet[PriceListItem]:
    """Every (live) price list that prices the product, newest first."""
    return (
        access.visible_to(actor, PriceListItem)
        .filter(product=product)
        .select_related("price_list__price_type")
        .order_by("-price_list__valid_from", "price_list__name")
    )


def product_stock(*, product: Product) -> QuerySet[StockLevel]:
    """The product's stock by warehouse, as the accounting system last reported it."""
    return product.stock_levels.select_related("warehouse").order_by("warehouse__name")


def product_external_ids(*, product: Product) -> QuerySet[ExternalId]:
    """The ids other systems (1C infobases) know the product by."""
    return ExternalId.objects.filter(
        content_type=ContentType.objects.get_for_model(Product), object_id=str(product.pk)
    ).order_by("system", "value")


def product_history(*, actor: User, product: Product, limit: int = 100) -> list[HistoryEntry]:
    records = list(product.history.select_related("history_user").order_by("-history_date")[:limit])
    return _entries_from(records, subject_of=lambda r: "", hidden={"history_user"})


def product_property_definitions() -> list[PropertyDefinition]:
    return list(PropertyDefinition.objects.filter(target=PropertyTarget.PRODUCT, is_active=True))


@dataclass(frozen=True)
class PriceQuote:
    product: Product
    price_type: PriceType | None
    currency: str
    on: dt.date
    price: Decimal | None
    discount_percent: Decimal
    vat_rate: Decimal | None
    prices_include_vat: bool


def product_price_quote(
    *,
    actor: User,
    product: Product,
    price_type: PriceType | None = None,
    currency: str | None = None,
    on: dt.date | None = None,
    client: Client | None = None,
) -> PriceQuote:
    """What a deal line of ``product`` starts from: the price of the type (default type
    if none) in the currency (the base currency if none) on the day, the automatic
    discount for the client's categories and the product's VAT rate. ``client`` must be
    one the actor sees (the caller resolves it through the access layer)."""
    on = on or timezone.localdate()
    price_type = price_type or pricing.default_price_type()
    currency = currency or pricing.base_currency(None)
    price = (
        pricing.price_for(product=product, price_type=price_type, currency=currency, on=on)
        if price_type is not None
        else None
    )
    categories: list[object] = (
        list(client.tags.values_list("pk", flat=True)) if client is not None else []
    )
    discount = pricing.discount_for(client_category_ids=categories, product=product, on=on)
    vat = product.vat_rate.rate if product.vat_rate is not None else None
    return PriceQuote(
        product=product,
        price_type=price_type,
        currency=currency,
        on=on,
        price=price,
        discount_percent=discount,
        vat_rate=vat,
        prices_include_vat=price_type.includes_vat if price_type is not None else True,
    )


def client_for_quote(*, actor: User, pk: Any) -> Client:
    return access.get_visible_or_404(actor, Client, pk)


# --- price lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceListFilters:
    price_type: Any = None
    currency: str = ""
    active: bool | None = None
    search: str = ""


def price_list_list(*, actor: User, filters: PriceListFilters | None = None) -> QuerySet[PriceList]:
    filters = filters or PriceListFilters()
    qs = access.visible_to(actor, PriceList).select_related("price_type", "currency")
    if filters.price_type not in (None, ""):
        qs = qs.filter(price_type=filters.price_type)
    if filters.currency:
        qs = qs.filter(currency_id=filters.currency.upper())
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.search:
        qs = qs.filter(name__icontains=filters.search.strip())
    return qs.annotate(
        item_count=Count("items", filter=Q(items__product__deleted_at__isnull=True))
    ).order_by("-valid_from", "name", "id")


def price_list_get(*, actor: User, pk: Any, with_items: bool = False) -> PriceList:
    qs = PriceList.objects.select_related("price_type", "currency", "created_by")
    if with_items:
        qs = qs.prefetch_related(
            Prefetch(
                "items",
                queryset=PriceListItem.objects.filter(product__deleted_at__isnull=True)
                .select_related("product", "product__unit")
                .order_by("product__name", "product_id"),
            )
        )
    return access.get_visible_or_404(actor, PriceList, pk, queryset=qs)


def price_list_items(*, actor: User, price_list: PriceList) -> QuerySet[PriceListItem]:
    return (
        access.visible_to(actor, PriceListItem)
        .filter(price_list=price_list)
        .select_related("product", "product__unit", "product__group")
        .order_by("product__name", "product_id")
    )


# --- reference lists --------------------------------------------------------------------


def price_types(*, actor: User, active_only: bool = False) -> QuerySet[PriceType]:
    qs = access.visible_to(actor, PriceType)
    return qs.filter(is_active=True) if active_only else qs


def price_type_get(*, actor: User, pk: Any) -> PriceType:
    return access.get_visible_or_404(actor, PriceType, pk)


def currencies(*, actor: User, active_only: bool = False) -> QuerySet[Currency]:
    qs = access.visible_to(actor, Currency)
    return qs.filter(is_active=True) if active_only else qs


def currency_get(*, actor: User, code: str) -> Currency:
    return access.get_visible_or_404(actor, Currency, (code or "").upper())


def exchange_rates(*, actor: User, currency: str = "", base: str = "") -> QuerySet[ExchangeRate]:
    qs = access.visible_to(actor, ExchangeRate)
    if currency:
        qs = qs.filter(currency_id=currency.upper())
    if base:
        qs = qs.filter(base_id=base.upper())
    return qs.order_by("-date", "currency_id", "base_id", "id")


def exchange_rate_get(*, actor: User, pk: Any) -> ExchangeRate:
    return access.get_visible_or_404(actor, ExchangeRate, pk)


def units(*, actor: User) -> QuerySet[Unit]:
    return access.visible_to(actor, Unit)


def unit_get(*, actor: User, pk: Any) -> Unit:
    return access.get_visible_or_404(actor, Unit, pk)


def vat_rates(*, actor: User, active_only: bool = False) -> QuerySet[VatRate]:
    qs = access.visible_to(actor, VatRate)
    return qs.filter(is_active=True) if active_only else qs


def vat_rate_get(*, actor: User, pk: Any) -> VatRate:
    return access.get_visible_or_404(actor, VatRate, pk)


def discount_rules(*, actor: User) -> QuerySet[DiscountRule]:
    return access.visible_to(actor, DiscountRule).select_related("client_category", "product_group")


def discount_rule_get(*, actor: User, pk: Any) -> DiscountRule:
    return access.get_visible_or_404(actor, DiscountRule, pk)


def client_categories(*, actor: User) -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


@dataclass(frozen=True)
class RoleLimit:
    role: str
    label: str
    max_percent: Decimal | None
    effective: Decimal


def manual_discount_limits(*, actor: User) -> list[RoleLimit]:
    """Every role with its configured limit (None: the default) and the limit in force."""
    configured = dict(
        access.visible_to(actor, ManualDiscountLimit).values_list("role", "max_percent")
    )
    rows = []
    for role, label in Role.choices:
        default = pricing.HUNDRED if role in (Role.ADMINISTRATOR, Role.DIRECTOR) else Decimal(0)
        value = configured.get(role)
        rows.append(RoleLimit(role, str(label), value, value if value is not None else default))
    return rows
