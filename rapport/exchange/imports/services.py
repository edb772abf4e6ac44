"""Every write of imports: uploads for the wizard, starting an import job, the preview,
mapping templates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import jobs
from rapport.core.access import require_writer as _require_writer
from rapport.core.ids import new_id
from rapport.core.models import Job, User

from ..models import ImportTarget, ImportTemplate
from . import mapping as mapping_mod
from .apply import Importer, ImportOptions, Outcome
from .matching import MATCH_RULES
from .readers import DELIMITERS, ENCODINGS, FileProblem, TableReader, open_table

MAX_BYTES = getattr(settings, "RAPPORT_IMPORT_MAX_BYTES", 2 * 1024**3)
PREVIEW_ROWS = 20
ON_ERROR = ("skip", "stop")
COUNT_NAMES = ("created", "updated", "unchanged", "rejected")
_MATCH_COLUMN = {
    "id": "id",
    "external_id": "external_id",
    "tax_id": "tax_id",
    "email": "emails",
    "phone": "phones",
}


def _open(file: IO[bytes], *, name: str, target: str, encoding: str, delimiter: str):
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // 1024**2}]}
        )
    if encoding and encoding not in ENCODINGS:
        raise ValidationError({"encoding": [_("Unknown encoding “%(e)s”.") % {"e": encoding}]})
    if delimiter and delimiter not in DELIMITERS:
        raise ValidationError({"delimiter": [_("Use , ; | or a tab as the delimiter.")]})
    file.seek(0)
    try:
        return open_table(file, name=name, target=target, encoding=encoding, delimiter=delimiter)
    except FileProblem as exc:
        raise ValidationError({"file": exc.messages}) from exc


def default_match_on(mapping: dict[str, str]) -> str:
    present = set(mapping.values())
    for rule in ("id", "external_id", "tax_id", "email", "phone"):
        if _MATCH_COLUMN[rule] in present:
            return rule
    return "none"


def clean_options(
    *,
    target: str,
    headers: list[str],
    mapping: dict[str, str] | None,
    match_on: str | None,
    on_error: str,
    external_system: str,
) -> tuple[dict[str, str], str]:
    """The checked mapping and matching rule, or ValidationError naming the field."""
    mapping_mod.columns(target)
    if mapping is None:
        cleaned = mapping_mod.guess_mapping(headers, target)
    else:
        cleaned = mapping_mod.clean_mapping(mapping, headers=headers, target=target)
    mapping_mod.check_required(cleaned, target)
    rule = match_on or default_match_on(cleaned)
    errors: dict[str, list[str]] = {}
    if rule not in MATCH_RULES or (rule == "tax_id" and target != "clients"):
        errors["match_on"] = [_("Unknown matching rule “%(r)s”.") % {"r": rule}]
    elif rule != "none" and _MATCH_COLUMN[rule] not in cleaned.values():
        errors["match_on"] = [_("To match on it, map a column to that field.")]
    if on_error not in ON_ERROR:
        errors["on_error"] = [_("Choose “skip” or “stop”.")]
    if not external_system.strip() or len(external_system) > 64:
        errors["external_system"] = [_("Name the other system (at most 64 characters).")]
    if errors:
        raise ValidationError(errors)
    return cleaned, rule


def import_start(
    *,
    actor: User,
    file: IO[bytes],
    name: str,
    target: str = ImportTarget.CLIENTS,
    mapping: dict[str, str] | None = None,
    match_on: str | None = None,
    external_system: str = "import",
    dry_run: bool = False,
    on_error: str = "skip",
    encoding: str = "",
    delimiter: str = "",
    run_now: bool = False,
) -> Job:
    """Check the file and the options, store the file and start the "import" job.

    ``run_now`` stores the job without queueing it (the caller runs ``jobs.run_job``).
    """
    _require_writer(actor)
    table = _open(file, name=name, target=target, encoding=encoding, delimiter=delimiter)
    headers, info = table.headers, table.info
    cleaned, rule = clean_options(
        target=target,
        headers=headers,
        mapping=mapping,
        match_on=match_on,
        on_error=on_error,
        external_system=external_system,
    )
    options = ImportOptions(
        target=target,
        mapping=cleaned,
        match_on=rule,
        external_system=external_system.strip(),
        on_error=on_error,
        dry_run=bool(dry_run),
        encoding=info.encoding,
        delimiter=info.delimiter,
    )
    params = {**options.to_params(), "format": info.format, "name": name}
    title = (_("Import check: %(name)s") if dry_run else _("Import: %(name)s")) % {"name": name}
    file.seek(0)
    upload = File(file, name=name)
    if not run_now:
        return jobs.job_start(
            actor=actor,
            kind="import",
            params=params,
            title=title[:300],
            input_file=upload,
            input_name=name,
        )
    job = Job(kind="import", title=title[:300], params=params, created_by=actor, input_name=name)
    job.input_file.save(name, upload, save=False)
    job.save()
    return job


# --- the wizard's upload and preview ---------------------------------------------------


def _upload_prefix(actor: User) -> str:
    return f"imports/uploads/{actor.pk}/"


def import_upload(
    *, actor: User, file: Any, target: str, encoding: str = "", delimiter: str = ""
) -> dict[str, Any]:
    """Keep an uploaded file for the wizard's next steps; answers what the next steps need
    (key, name, headers, format, encoding, delimiter, guessed mapping)."""
    _require_writer(actor)
    mapping_mod.columns(target)
    name = str(getattr(file, "name", "") or "file").replace("/", "_")[-200:]
    table = _open(file, name=name, target=target, encoding=encoding, delimiter=delimiter)
    file.seek(0)
    key = default_storage.save(f"{_upload_prefix(actor)}{new_id()}/{name}", File(file))
    return {
        "key": key,
        "name": name,
        "target": target,
        "headers": table.headers,
        "format": table.info.format,
        "encoding": table.info.encoding,
        "delimiter": table.info.delimiter,
        "mapping": mapping_mod.guess_mapping(table.headers, target),
    }


def upload_open(*, actor: User, key: str) -> IO[bytes]:
    if not key.startswith(_upload_prefix(actor)) or ".." in key:
        raise PermissionDenied(_("This upload is not yours."))
    if not default_storage.exists(key):
        raise ValidationError({"file": [_("The uploaded file is gone; upload it again.")]})
    return default_storage.open(key, "rb")


@dataclass
class PreviewRow:
    number: int
    action: str
    cells: list[tuple[str, str, str]] = field(default_factory=list)  # header, value, problem
    problems: list[str] = field(default_factory=list)  # problems of the whole row


def _display(outcome: Outcome, key: str, raw: str) -> str:
    parsed = outcome.parsed
    if key in ("phones", "emails", "websites"):
        return "; ".join(n for _v, n in parsed.points.get(key, []))
    if key == "tags":
        return "; ".join(str(t) for t in parsed.tags or [])
    if key.startswith("prop."):
        value = parsed.properties.get(key[5:], "")
        return ", ".join(value) if isinstance(value, list) else str(value)
    value = parsed.fields.get(key)
    if value is not None:
        return str(value)
    return raw


def import_preview(
    *, actor: User, upload: dict[str, Any], options: ImportOptions, limit: int = PREVIEW_ROWS
) -> list[PreviewRow]:
    """The first rows as they will be stored (nothing is written), each problem marked."""
    _require_writer(actor)
    stream = upload_open(actor=actor, key=upload["key"])
    with TableReader(
        stream,
        name=upload["name"],
        target=options.target,
        encoding=options.encoding,
        delimiter=options.delimiter,
    ) as table:
        rows = list(itertools.islice(table.rows(), limit))
        importer = Importer(actor=actor, options=options, headers=table.headers)
        with transaction.atomic():
            result = importer.process(rows, write=False)
        headers = table.headers
    preview = []
    for row, outcome in zip(rows, result.outcomes, strict=True):
        by_header: dict[str, list[str]] = {}
        item = PreviewRow(number=row.number, action=outcome.action)
        for header, message in outcome.parsed.problems:
            if header in options.mapping and options.mapping.get(header):
                by_header.setdefault(header, []).append(message)
            else:
                item.problems.append(message)
        for index, header in enumerate(headers):
            key = options.mapping.get(header, "")
            if not key:
                continue
            raw = row.values[index] if index < len(row.values) else ""
            item.cells.append(
                (header, _display(outcome, key, raw), " ".join(by_header.get(header, [])))
            )
        preview.append(item)
    return preview


# --- templates -------------------------------------------------------------------------


def import_template_save(
    *, actor: User, target: str, name: str, mapping: dict[str, str], options: dict[str, Any]
) -> ImportTemplate:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"template_name": [_("Give the template a name.")]})
    mapping_mod.columns(target)
    template, _created = ImportTemplate.objects.update_or_create(
        owner=actor,
        target=target,
        name=name,
        defaults={
            "mapping": mapping_mod.template_mapping(mapping),
            "options": {
                k: v for k, v in options.items() if k in ("match_on", "external_system", "on_error")
            },
            "updated_at": timezone.now(),
        },
    )
    return template


def import_template_delete(*, actor: User, template_id: Any) -> None:
    ImportTemplate.objects.filter(owner=actor, pk=template_id).delete()


# --- the wizard's steps ----------------------------------------------------------------


def import_configure(
    *,
    actor: User,
    upload: dict[str, Any],
    mapping: dict[str, str],
    match_on: str | None,
    external_system: str,
    on_error: str,
    template_name: str = "",
) -> ImportOptions:
    """Check the wizard's mapping and options (and save them as a template if named)."""
    _require_writer(actor)
    target = upload["target"]
    cleaned, rule = clean_options(
        target=target,
        headers=upload["headers"],
        mapping=mapping,
        match_on=match_on,
        on_error=on_error,
        external_system=external_system,
    )
    options = ImportOptions(
        target=target,
        mapping=cleaned,
        match_on=rule,
        external_system=external_system.strip(),
        on_error=on_error,
        encoding=upload["encoding"],
        delimiter=upload["delimiter"],
    )
    if template_name.strip():
        import_template_save(
            actor=actor,
            target=target,
            name=template_name,
            mapping=cleaned,
            options=options.to_params(),
        )
    return options


def import_run_upload(*, actor: User, upload: dict[str, Any], options: ImportOptions) -> Job:
    """Start the import of a wizard upload with checked options; the upload is removed."""
    stream = upload_open(actor=actor, key=upload["key"])
    try:
        job = import_start(
            actor=actor,
            file=stream,
            name=upload["name"],
            target=options.target,
            mapping=options.mapping,
            match_on=options.match_on,
            external_system=options.external_system,
            dry_run=options.dry_run,
            on_error=options.on_error,
            encoding=options.encoding,
            delimiter=options.delimiter,
        )
    finally:
        stream.close()
    transaction.on_commit(lambda: default_storage.delete(upload["key"]))
    return job
