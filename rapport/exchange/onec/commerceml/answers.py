"""The plain-text answers of the CommerceML exchange: ``success``, ``progress`` or
``failure`` on the first line, details after it (1C shows the lines after the first)."""

from __future__ import annotations

from django.http import HttpResponse

PLAIN = "text/plain; charset=utf-8"


def reply(*lines: str, status: int = 200) -> HttpResponse:
    text = "\n".join(str(line) for line in lines)
    response = HttpResponse(text.encode("utf-8"), content_type=PLAIN, status=status)
    response["Cache-Control"] = "no-store"
    return response


def success(*lines: str) -> HttpResponse:
    return reply("success", *lines)


def progress(text: str) -> HttpResponse:
    return reply("progress", text)


def failure(reason: str, *, status: int = 200) -> HttpResponse:
    # 1C shows the lines after the first; keep the reason on as few lines as it has.
    return reply("failure", *str(reason).splitlines() or [""], status=status)
