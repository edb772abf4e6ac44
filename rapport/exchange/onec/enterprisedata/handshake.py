"""The handshake: 1C's first message for a new node, and our answer to it.

1C's handshake has no Body and no version in its Format; it lists the versions it can
speak (``AvailableVersion``), the object types it sends and receives, its node's id
(``NewFrom``) and prefix. We answer with To and From swapped, the highest version both
sides have, and the object types we send and receive. A type is declared as received
only if this exchange really applies it: 1C treats objects of a declared type as
delivered, so declaring one we drop would lose them.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.exchange.models import Connection

from . import envelope, reader
from .envelope import EXCHANGE_PLAN, FORMAT_BASE, EnvelopeError, Header, ObjectType
from .options import EDOptions


def sending_types(options: EDOptions) -> list[str]:
    types = []
    if options.send_counterparties:
        types.append(reader.COUNTERPARTY)
    if options.send_contacts:
        types.append(reader.CONTACT)
    if options.send_products:
        types.append(reader.PRODUCT)
    if options.send_invoices:
        types.append(reader.INVOICE)
    return types


def receiving_types() -> list[str]:
    """The types this exchange applies: only those whose sync target is registered."""
    from .importer import receivable_types

    return receivable_types()


def declared_types(options: EDOptions) -> list[ObjectType]:
    sending = sending_types(options)
    receiving = receiving_types()
    names = list(dict.fromkeys([*sending, *receiving]))
    return [
        ObjectType(
            name=name,
            sending="*" if name in sending else "",
            receiving="*" if name in receiving else "",
        )
        for name in names
    ]


def answer(incoming: Header, *, options: EDOptions, our_code: str) -> Header:
    """Our answer to 1C's handshake (a header-only message)."""
    version = envelope.negotiate(incoming.versions, options.versions)
    if version is None:
        raise EnvelopeError(
            _(
                "1C offers the format versions %(theirs)s; this connection speaks %(ours)s. "
                "There is no version in common: add one of 1C's versions to the connection's "
                "settings, or update 1C."
            )
            % {
                "theirs": ", ".join(incoming.versions) or _("(none)"),
                "ours": ", ".join(options.versions),
            }
        )
    types = declared_types(options)
    if not types:
        raise EnvelopeError(_("The connection sends and receives nothing; 1C refuses such a node."))
    return Header(
        format=FORMAT_BASE,
        creation_date=timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S"),
        exchange_plan=incoming.exchange_plan or EXCHANGE_PLAN,
        to=incoming.sender,
        sender=incoming.to,
        message_no=0,
        received_no=0,
        versions=[version],
        new_from=our_code,
        object_types=types,
        nodes=[{"name": options.our_prefix, "code": our_code, "prefix": options.our_prefix}],
    )


def remember_peer(connection: Connection, incoming: Header, chosen: str) -> None:
    """Keep what the handshake told about 1C: its node, versions, types, our version."""
    envelope.update_state(
        connection,
        version=chosen,
        peer_node=incoming.new_from,
        peer_prefix=incoming.sender,
        peer_versions=incoming.versions,
        peer_types={
            t.name: {"sending": t.sending, "receiving": t.receiving} for t in incoming.object_types
        },
        handshake_at=timezone.now().isoformat(),
    )
