"""Background import of one file 1C uploaded during a CommerceML session.

``mode=import`` starts one job of kind ``onec_cml_import`` per file and answers
``progress`` while it runs. The job dispatches on the file name's prefix, as 1C names its
packages (``import0_1.xml``, ``offers___<guid>.xml``, ``orders-<guid>.xml``...):

- ``import``, ``offers``, ``prices``, ``rests``, ``groups``, ``properties`` -> the
  catalogue (``catalog.apply_catalog_file``);
- ``orders``, ``documents`` -> orders (``orders.apply_orders_file``); in a ``type=sale``
  session any other XML file is taken as orders too.

The apply functions are idempotent (the same package twice changes nothing), so a job a
worker lost half-way is simply run again from the start.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import jobs
from rapport.core.models import Job
from rapport.exchange.models import ExchangeSession

from . import uploads

if TYPE_CHECKING:
    from rapport.exchange.onec.sync import ExchangeRun

KIND = "onec_cml_import"
CATALOG = "catalog"
ORDERS = "orders"

CATALOG_PREFIXES = ("import", "offers", "prices", "rests", "groups", "properties")
ORDER_PREFIXES = ("orders", "documents")
_PREFIX = re.compile(r"^([a-z]+)")


def file_kind(name: str, channel: str) -> str:
    """``"catalog"``, ``"orders"`` or ``""`` (not a file we import) for an uploaded name."""
    base = PurePosixPath(name).name.lower()
    if not base.endswith(".xml"):
        return ""
    found = _PREFIX.match(base)
    prefix = found.group(1) if found else ""
    if prefix.startswith(CATALOG_PREFIXES):
        return CATALOG
    if prefix.startswith(ORDER_PREFIXES):
        return ORDERS
    if channel == "sale":
        return ORDERS
    return ""


def _apply(kind: str, run: ExchangeRun, path: Path, progress: jobs.Progress) -> None:
    # Imported here: the catalogue and order modules load their targets on import.
    if kind == CATALOG:
        from .catalog import apply_catalog_file

        apply_catalog_file(run, path, progress)
    else:
        from .orders import apply_orders_file

        apply_orders_file(run, path, progress)


@jobs.handler(KIND, label=gettext_lazy("1C exchange: import of a file"))
def run_import(job: Job, progress: jobs.Progress) -> None:
    from rapport.exchange.onec.sync import ExchangeRun
    from rapport.exchange.onec.xml import XmlRefused

    session = ExchangeSession.objects.select_related("connection", "user").get(
        pk=job.params["session"]
    )
    name = job.params["file"]
    language = getattr(session.user, "language", "") or translation.get_language()
    with translation.override(language):
        kind = file_kind(name, session.channel)
        if not kind:
            raise ValidationError(_("“%(name)s” is not a file the CRM imports.") % {"name": name})
        path = uploads.path_in(uploads.session_dir(session), name)
        if not path.is_file():
            raise ValidationError(
                _("“%(name)s” is no longer in the exchange folder; 1C has to send it again.")
                % {"name": name}
            )
        run = ExchangeRun.for_session(session)
        try:
            _apply(kind, run, path, progress)
        except (XmlRefused, UnicodeError, uploads.UploadRefused) as exc:
            raise ValidationError(_("%(name)s: %(error)s") % {"name": name, "error": exc}) from exc
        finally:
            run.flush()
        job.result = {**(job.result or {}), "file": name, "kind": kind}
