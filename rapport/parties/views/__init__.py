"""Browser pages of the client base (server-rendered templates + HTMX)."""

from .clients import (
    client_batch,
    client_create,
    client_detail,
    client_duplicates,
    client_edit,
    client_history,
    client_list,
    client_lookup,
    client_share,
    client_trash,
    client_unshare,
    relation_add,
    relation_remove,
    saved_filter_delete,
    saved_filter_save,
)
from .contacts import contact_create, contact_detail, contact_edit, contact_list, contact_trash

__all__ = [
    "client_batch",
    "client_create",
    "client_detail",
    "client_duplicates",
    "client_edit",
    "client_history",
    "client_list",
    "client_lookup",
    "client_share",
    "client_trash",
    "client_unshare",
    "contact_create",
    "contact_detail",
    "contact_edit",
    "contact_list",
    "contact_trash",
    "relation_add",
    "relation_remove",
    "saved_filter_delete",
    "saved_filter_save",
]
