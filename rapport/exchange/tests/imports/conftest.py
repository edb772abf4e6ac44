"""Helpers of the import tests: fixture files and running an import job in-process."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.core import jobs
from rapport.exchange.imports import services

FILES = Path(__file__).parent / "files"


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (FILES / name).read_bytes())


@pytest.fixture
def run_import(settings, tmp_path):
    """``run_import(actor, name_or_upload, **options)`` -> the finished job (reloaded)."""
    settings.MEDIA_ROOT = tmp_path

    def run(actor, file, **options):
        file = upload(file) if isinstance(file, str) else file
        job = services.import_start(actor=actor, file=file, name=file.name, **options)
        jobs.run_job(str(job.pk))
        job.refresh_from_db()
        return job

    return run


def created_ids(job, model) -> list[str]:
    """Ids of the ``model`` records ``job`` noted as created (one note per chunk)."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.core.models import JobChange

    notes = JobChange.objects.filter(
        job=job, content_type=ContentType.objects.get_for_model(model), action="batch"
    )
    return [pk for note in notes for pk in note.before["ids"]]
