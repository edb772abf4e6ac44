"""Demo document templates: the shipped commercial offer and contract, in English and
Russian, installed for deals in the demo company (registered with rapport.parties.demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile

from rapport.core.models import User

from . import registry, services
from .models import DocumentKind, DocumentTemplate

DEFAULT_DIR = Path(__file__).resolve().parent / "default_templates"

# file, name, kind, language
DEFAULT_TEMPLATES = [
    ("commercial_offer.docx", "Commercial offer", DocumentKind.OFFER, "en"),
    ("commercial_offer.ru.docx", "Коммерческое предложение", DocumentKind.OFFER, "ru"),
    ("contract.docx", "Sales contract", DocumentKind.CONTRACT, "en"),
    ("contract.ru.docx", "Договор купли-продажи", DocumentKind.CONTRACT, "ru"),
]


def install_default_templates(*, actor: User, target: str = "sales.deal") -> list[DocumentTemplate]:
    """Upload the shipped templates for ``target`` (skipping those already there by name)."""
    try:
        registry.get_target(target)
    except registry.UnknownTarget:
        return []
    installed = []
    for filename, name, kind, language in DEFAULT_TEMPLATES:
        if DocumentTemplate.objects.filter(target=target, name=name).exists():
            continue
        upload = ContentFile((DEFAULT_DIR / filename).read_bytes(), name=filename)
        installed.append(
            services.template_upload(
                actor=actor,
                name=name,
                kind=kind,
                target=target,
                language=language,
                upload=upload,
            )
        )
    return installed


def create_demo_templates(*, users: dict[str, User], clients: list[Any]) -> None:
    admin = users.get("admin")
    if admin is not None:
        install_default_templates(actor=admin)
