"""Slots of the client pages that later apps fill (apps import only downwards).

The client base knows nothing of interactions, the planner or sales; they register
templates here from their ``AppConfig.ready``::

    from rapport.parties import card

    card.register("client_actions", "interactions/_new_interaction_button.html")

Each template is included with the page's context (``client`` on the card, ``params`` on
the list). Slots: ``client_actions`` (buttons in the card's header), ``client_details``
(panels under the card's details), ``timeline_actions`` (buttons above the activity
stream), ``client_list_filters`` (controls in the list's filter panel).
"""

from __future__ import annotations

from rapport.core import slots

SLOTS = ("client_actions", "client_details", "timeline_actions", "client_list_filters")
slots.declare(*SLOTS)


def register(slot: str, template: str, *, order: int = 50) -> None:
    if slot not in SLOTS:
        raise ValueError(f"Unknown slot {slot!r}; slots are {', '.join(SLOTS)}")
    slots.register(slot, template, order=order)


def templates(slot: str) -> list[str]:
    """The templates registered for ``slot``, in their order."""
    return slots.templates(slot)


def context() -> dict[str, list[str]]:
    """Every slot's templates, for a page's context (``card_<slot>``)."""
    return slots.context(*SLOTS, prefix="card_")
