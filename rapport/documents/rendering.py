"""Rendering DOCX templates with docxtpl (Jinja in a sandbox) and converting to PDF with
LibreOffice. No database access here: services call these with bytes and a context."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, Undefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from . import words

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A DOCX is a zip: refuse archives that unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
PDF_TIMEOUT_SECONDS = 90


class RenderError(Exception):
    """A template could not be rendered; ``str()`` is a message for its author."""


class NotADocx(RenderError):
    pass


class PdfError(Exception):
    """The PDF could not be made (LibreOffice missing, failed or too slow)."""


# --- the Jinja environment ------------------------------------------------------------


def jinja_env(language: str, *, strict: bool = False) -> SandboxedEnvironment:
    """The environment templates render in: sandboxed, with the document filters
    ``money``, ``number``, ``quantity``, ``date`` and ``amount_in_words`` in ``language``."""
    env = SandboxedEnvironment(undefined=StrictUndefined if strict else Undefined, autoescape=True)

    def money(value: Any, currency: str = "") -> str:
        return words.format_money(value, currency, language)

    def number(value: Any, places: int = 2) -> str:
        return words.format_number(value, language, places)

    def quantity(value: Any) -> str:
        return words.format_quantity(value, language)

    def date(value: Any, style: str = "short") -> str:
        return words.format_date(value, language, style)

    def in_words(value: Any, currency: str = "EUR") -> str:
        if value in (None, ""):
            return ""
        return words.amount_in_words(value, currency, language)

    env.filters.update(
        money=money, number=number, quantity=quantity, date=date, amount_in_words=in_words
    )
    return env


# --- checks -------------------------------------------------------------------------------


def check_docx(data: bytes) -> None:
    """Raise ``NotADocx`` unless ``data`` is a Word document (a zip with word/document.xml)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotADocx(_("The file is not a DOCX document (not a zip archive)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "word/document.xml" not in names:
                raise NotADocx(_("The file is not a DOCX document (no word/document.xml)."))
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise NotADocx(_("The document unpacks to more than 200 MB."))
            archive.read("word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError) as exc:
        raise NotADocx(_("The DOCX file is damaged: %(error)s") % {"error": exc}) from exc


def _error_excerpt(exc: Exception) -> str:
    lines = [line.strip() for line in getattr(exc, "docx_context", None) or [] if line.strip()]
    text = " … ".join(lines)
    text = re.sub(r"\s+", " ", text)
    return text[:300]


def render_docx(
    source: bytes, context: dict[str, Any], *, language: str, strict: bool = False
) -> bytes:
    """The rendered document. ``strict``: an unknown placeholder is an error too."""
    check_docx(source)
    token = words.document_language.set(language)
    try:
        document = DocxTemplate(io.BytesIO(source))
        document.render(context, jinja_env(language, strict=strict), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except UndefinedError as exc:
        raise RenderError(
            _("Unknown placeholder: %(error)s.") % {"error": exc.message or exc}
        ) from exc
    except TemplateError as exc:
        message = getattr(exc, "message", None) or str(exc)
        excerpt = _error_excerpt(exc)
        text = _("Template error: %(error)s.") % {"error": message}
        if excerpt:
            text += " " + _("Near: “%(text)s”.") % {"text": excerpt}
        raise RenderError(text) from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RenderError(
            _("The document could not be rendered: %(error)s") % {"error": exc}
        ) from exc
    finally:
        words.document_language.reset(token)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------


def soffice_path() -> str | None:
    return (
        os.environ.get("RAPPORT_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    )


def docx_to_pdf(data: bytes, *, timeout: int = PDF_TIMEOUT_SECONDS) -> bytes:
    """Convert a DOCX to PDF with LibreOffice headless. Each call runs with its own
    throw-away profile, so parallel conversions (several workers) do not clash."""
    binary = soffice_path()
    if binary is None:
        raise PdfError(_("PDF needs LibreOffice (Debian package libreoffice-writer-nogui)."))
    with tempfile.TemporaryDirectory(prefix="rapport-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        profile = work / f"profile-{uuid.uuid4().hex}"
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            result = subprocess.run(  # noqa: S603  (our own fixed command line)
                command,
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "HOME": tmp},
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError(
                _("LibreOffice did not finish the PDF in %(n)s seconds.") % {"n": timeout}
            ) from exc
        except OSError as exc:
            raise PdfError(_("LibreOffice could not start: %(error)s") % {"error": exc}) from exc
        target = work / "out" / "document.pdf"
        if not target.exists():
            detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace")[-500:]
            raise PdfError(
                _("LibreOffice could not convert the document: %(error)s")
                % {"error": detail.strip() or result.returncode}
            )
        pdf = target.read_bytes()
    if not pdf.startswith(b"%PDF"):
        raise PdfError(_("LibreOffice produced no PDF."))
    return pdf
