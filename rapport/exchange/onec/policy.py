"""Field ownership: which system is master for which field of which kind of object.

A connection's ``FieldOwnership`` rows override the defaults below. The defaults follow
how companies split the work: 1C keeps the books, so legal details, the catalogue, prices
and payments are its own; the CRM keeps the relationship (manager, status, notes); contact
details are edited on both sides and a person decides when both changed them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.exchange.models import Connection, FieldOwnership, Owner

# target -> {field: owner}; "*" is the owner of fields not listed.
DEFAULTS: dict[str, dict[str, str]] = {
    "client": {
        "*": Owner.SHARED,
        "kind": Owner.EXTERNAL,
        "legal_name": Owner.EXTERNAL,
        "tax_id": Owner.EXTERNAL,
        "kpp": Owner.EXTERNAL,
        "manager": Owner.CRM,
        "status": Owner.CRM,
        "notes": Owner.CRM,
    },
    "contact": {"*": Owner.SHARED},
    "group": {"*": Owner.EXTERNAL},
    "product": {"*": Owner.EXTERNAL},
    "payment": {"*": Owner.EXTERNAL},
    "invoice": {"*": Owner.EXTERNAL, "comment": Owner.CRM, "manager": Owner.CRM},
}

# The fields a person may set an owner for, with their labels (the ownership table).
TARGET_FIELDS: dict[str, tuple[object, dict[str, object]]] = {
    "client": (
        _("Clients (counterparties)"),
        {
            "kind": _("Company or person"),
            "name": _("Name"),
            "legal_name": _("Full legal name"),
            "tax_id": _("Tax id"),
            "kpp": _("KPP"),
            "phones": _("Phones"),
            "emails": _("E-mails"),
            "addresses": _("Addresses"),
        },
    ),
    "contact": (
        _("Contact persons"),
        {
            "last_name": _("Last name"),
            "first_name": _("First name"),
            "middle_name": _("Middle name"),
            "phones": _("Phones"),
            "emails": _("E-mails"),
        },
    ),
    "group": (_("Product groups"), {"name": _("Name"), "parent": _("Parent group")}),
    "product": (
        _("Products"),
        {
            "name": _("Name"),
            "sku": _("SKU"),
            "barcode": _("Barcode"),
            "group": _("Group"),
            "unit": _("Unit"),
            "vat_rate": _("VAT rate"),
            "description": _("Description"),
            "is_active": _("Active"),
        },
    ),
    "payment": (
        _("Payments"),
        {"date": _("Date"), "amount": _("Amount"), "reference": _("Reference")},
    ),
    "invoice": (
        _("Invoices and orders"),
        {"status": _("Status"), "comment": _("Comment")},
    ),
}


def default_owner(target: str, field: str) -> str:
    rules = DEFAULTS.get(target, {})
    return rules.get(field, rules.get("*", Owner.SHARED))


def owners_for(connection: Connection, target: str) -> dict[str, str]:
    """{field: owner} set on the connection for one target (defaults not included)."""
    return dict(
        FieldOwnership.objects.filter(connection=connection, target=target).values_list(
            "field", "owner"
        )
    )


def owner_of(
    connection: Connection, target: str, field: str, *, overrides: dict[str, str] | None = None
) -> str:
    """Who is master for ``target.field`` on this connection.

    ``overrides`` is ``owners_for(connection, target)`` when the caller asks for many fields.
    """
    if overrides is None:
        overrides = owners_for(connection, target)
    return overrides.get(field) or default_owner(target, field)
