"""Exports of lists (clients, contact persons) as XLSX, CSV and vCard.

``export_start`` answers a small export at once (the file) and hands a large one to a
background job (kind "export", see jobs.py). Either way the rows are those of the list page
with the same query string, within the actor's scope, VIP-masked, and every export is in the
audit log (event "export": target, format, filters, rows).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core import jobs
from rapport.core.models import AuditEvent, Job, User
from rapport.core.services import audit_record
from rapport.parties import selectors as party_selectors

from . import vcard, writers
from .rows import TARGETS, ExportSource, export_source, row_chunks

FORMATS = ("xlsx", "csv", "vcf")
# Up to this many rows the file is answered at once; more go to a background job.
DIRECT_LIMIT = 2000


@dataclass(frozen=True)
class ExportSpec:
    """An export as a job stores it (``Job.params``)."""

    target: str
    format: str
    query: str = ""
    delimiter: str = ","
    vcard_version: str = vcard.DEFAULT_VERSION
    language: str = "en"

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ExportSpec:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in names})

    def params(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def extension(self) -> str:
        return self.format

    def filename(self) -> str:
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        return f"{self.target}-{stamp}.{self.extension}"


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


@dataclass
class ExportOutcome:
    """Either the file (a small export) or the job writing it (a large one)."""

    file: ExportFile | None = None
    job: Job | None = None


def export_spec(
    *,
    target: str,
    fmt: str,
    query: str = "",
    delimiter: str = ",",
    vcard_version: str = vcard.DEFAULT_VERSION,
    language: str = "",
) -> ExportSpec:
    """A checked export request; a bad one raises ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    if target not in TARGETS:
        errors["target"] = [_("Choose clients or contacts.")]
    if fmt not in FORMATS:
        errors["format"] = [_("Choose XLSX, CSV or vCard.")]
    elif fmt == "vcf" and target != "contacts":
        errors["format"] = [_("Only contact persons export as vCard.")]
    delimiter = writers.CSV_DELIMITERS.get(delimiter, delimiter)
    if delimiter not in writers.CSV_DELIMITERS.values():
        errors["delimiter"] = [_("Choose a comma or a semicolon.")]
    if vcard_version not in vcard.VERSIONS:
        errors["vcard_version"] = [_("Choose vCard 3.0 or 4.0.")]
    if errors:
        raise ValidationError(errors)
    return ExportSpec(
        target=target,
        format=fmt,
        query=query.lstrip("?"),
        delimiter=delimiter,
        vcard_version=vcard_version,
        language=language or translation.get_language() or "en",
    )


def export_source_for(*, actor: User, spec: ExportSpec) -> ExportSource:
    return export_source(actor=actor, target=spec.target, params=QueryDict(spec.query))


def export_write(
    stream: IO[bytes],
    *,
    actor: User,
    spec: ExportSpec,
    source: ExportSource | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the export to ``stream`` chunk by chunk; answers the number of rows."""
    source = source or export_source_for(actor=actor, spec=spec)
    if spec.format == "vcf":
        return vcard.write_vcards(
            stream, source, actor=actor, version=spec.vcard_version, progress=on_rows
        )
    with translation.override(spec.language):
        title = str(_("Clients") if spec.target == "clients" else _("Contact persons"))
    writer = writers.table_writer(spec.format, stream, delimiter=spec.delimiter, title=title)
    writer.header(source.header(spec.language))
    count = 0
    for rows in row_chunks(source, actor=actor, language=spec.language):
        writer.rows(rows)
        count += len(rows)
        if on_rows is not None:
            on_rows(len(rows))
    writer.close()
    return count


def export_audit(*, actor: User, spec: ExportSpec, rows: int, job: Job | None = None) -> None:
    details: dict[str, Any] = {
        "target": spec.target,
        "format": spec.format,
        "filters": spec.query,
        "rows": rows,
    }
    if job is not None:
        details["job"] = str(job.pk)
    audit_record(event=AuditEvent.EXPORT, actor=actor, **details)


def _job_title(spec: ExportSpec) -> str:
    with translation.override(spec.language):
        what = _("clients") if spec.target == "clients" else _("contact persons")
        return _("Export of %(what)s (%(format)s)") % {
            "what": what,
            "format": spec.format.upper(),
        }


def export_start(*, actor: User, spec: ExportSpec, background: bool | None = None) -> ExportOutcome:
    """Export the list ``spec`` describes: at once when it is small (or ``background`` is
    False), else in a background job the caller sends the user to."""
    source = export_source_for(actor=actor, spec=spec)
    if background is None:
        background = len(source.queryset.values("pk")[: DIRECT_LIMIT + 1]) > DIRECT_LIMIT
    if background:
        job = jobs.job_start(
            actor=actor, kind="export", params=spec.params(), title=_job_title(spec)
        )
        return ExportOutcome(job=job)
    buffer = io.BytesIO()
    rows = export_write(buffer, actor=actor, spec=spec, source=source)
    export_audit(actor=actor, spec=spec, rows=rows)
    return ExportOutcome(
        file=ExportFile(
            content=buffer.getvalue(),
            filename=spec.filename(),
            content_type=writers.CONTENT_TYPES[spec.format],
            rows=rows,
        )
    )


def contact_vcard_export(
    *, actor: User, contact_id: Any, version: str = vcard.DEFAULT_VERSION
) -> ExportFile:
    """One contact person's card (404 outside the actor's scope), audited."""
    contact = party_selectors.contact_get(actor=actor, pk=contact_id)
    spec = export_spec(target="contacts", fmt="vcf", vcard_version=version)
    text = vcard.single_card(contact, actor=actor, version=spec.vcard_version)
    audit_record(
        event=AuditEvent.EXPORT,
        actor=actor,
        target="contact",
        format="vcf",
        filters=f"id={contact.pk}",
        rows=1,
    )
    name = "-".join(p for p in (contact.last_name, contact.first_name) if p) or "contact"
    return ExportFile(
        content=text.encode("utf-8"),
        filename=f"{name}.vcf",
        content_type=writers.CONTENT_TYPES["vcf"],
        rows=1,
    )
