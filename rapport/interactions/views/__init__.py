from .client import client_interest_remove, client_interests
from .interactions import (
    contact_options,
    interaction_complete,
    interaction_create,
    interaction_detail,
    interaction_edit,
    interaction_list,
    interaction_trash,
)
from .report import planned_vs_done
from .settings import interaction_settings, setting_edit

__all__ = [
    "client_interest_remove",
    "client_interests",
    "contact_options",
    "interaction_complete",
    "interaction_create",
    "interaction_detail",
    "interaction_edit",
    "interaction_list",
    "interaction_settings",
    "interaction_trash",
    "planned_vs_done",
    "setting_edit",
]
