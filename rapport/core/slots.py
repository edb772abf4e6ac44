"""Named places in an app's pages that apps above it fill with templates.

Apps import only downwards, so a page cannot know what later apps want to show on it
(the client card knows nothing of deals, the deal card nothing of invoices). The page's
app declares its slots; later apps register templates for them from their
``AppConfig.ready``; the page's view puts ``slots.context(...)`` in its context and the
template includes each registered template with the page's own context::

    slots.declare("deal_panels")                                   # sales
    slots.register("deal_panels", "billing/_deal_invoices.html")   # billing
    {% for template in slot_deal_panels %}{% include template %}{% endfor %}
"""

from __future__ import annotations

_slots: dict[str, list[tuple[int, str]]] = {}


def declare(*names: str) -> None:
    for name in names:
        _slots.setdefault(name, [])


def register(slot: str, template: str, *, order: int = 50) -> None:
    if slot not in _slots:
        raise ValueError(f"Unknown slot {slot!r}; slots are {', '.join(sorted(_slots))}")
    if all(name != template for _order, name in _slots[slot]):
        _slots[slot].append((order, template))
        _slots[slot].sort()


def templates(slot: str) -> list[str]:
    """The templates registered for ``slot``, in their order."""
    return [name for _order, name in _slots[slot]]


def context(*names: str, prefix: str = "slot_") -> dict[str, list[str]]:
    """The templates of each named slot, for a page's context (``<prefix><slot>``)."""
    return {f"{prefix}{name}": templates(name) for name in names}
