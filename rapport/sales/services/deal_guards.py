"""Checks every write of a deal makes: a writing role, the right to edit the deal, an open
deal where it must be, and the optimistic version check (a save based on an old version
is a DealConflict). Also the save that bumps the version and names the actor in history.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.access import require_writer
from rapport.core.history import mark_actor
from rapport.core.models import User

from ..models import Deal, DealStatus


class DealConflict(Exception):
    """A save based on an old version of the deal: someone else changed it meanwhile."""

    def __init__(self, deal: Deal) -> None:
        self.deal = deal
        last = deal.history.order_by("-history_date").select_related("history_user").first()
        self.changed_by = last.history_user if last is not None else None
        self.changed_at = last.history_date if last is not None else deal.updated_at
        self.current_version = deal.version
        super().__init__(self.message)

    @property
    def message(self) -> str:
        when = formats.date_format(timezone.localtime(self.changed_at), "DATETIME_FORMAT")
        who = str(self.changed_by) if self.changed_by is not None else _("someone")
        return _(
            "This deal was changed by %(user)s at %(time)s while you were editing it. "
            "Reload it and make your change again."
        ) % {"user": who, "time": when}


def require_edit(actor: User, deal: Deal) -> None:
    require_writer(actor)
    if not access.can_edit(actor, deal):
        raise PermissionDenied(
            _("Only the deal's manager, the client's manager or their head may change it.")
        )


def require_open(deal: Deal) -> None:
    if deal.status != DealStatus.OPEN:
        raise ValidationError(
            {
                "status": [
                    _("The deal is closed (%(status)s): reopen it first.")
                    % {"status": deal.get_status_display()}
                ]
            }
        )


def lock_deal(deal: Deal, version: int | None) -> Deal:
    """The deal's row, locked; a conflict if ``version`` is not the current one."""
    fresh = Deal.objects.select_for_update().get(pk=deal.pk)
    if version is not None and int(version) != fresh.version:
        raise DealConflict(fresh)
    return fresh


def save_deal(deal: Deal, actor: User, *, bump: bool = True) -> None:
    deal.updated_at = timezone.now()
    if bump:
        deal.version += 1
    mark_actor(deal, actor)
    deal.save()
