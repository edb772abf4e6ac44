"""A 1C:Enterprise emulator for tests: plays 1C's side of the CommerceML site exchange.

It does what 1C's "Обмен с сайтом" node does, request by request: ``checkauth`` with Basic
auth, then the cookie from the answer on every later request (``Cookie: <name>=<value>``),
``init`` (reads ``zip=``, ``file_limit=``, ``version=``), ``mode=file`` uploads as raw
bodies cut into chunks of ``file_limit`` bytes (optionally one zip archive), ``mode=import``
repeated while the answer is ``progress``, then ``deactivate`` and ``complete``; for orders
``query``, ``success`` and the upload of 1C's orders file.

It speaks through Django's test ``Client`` or through an ``httpx.Client`` against a real
server (``live_server``): the same code, so a test can run the exchange either way::

    one_c = OneCClient(client, login="1c", password="secret")
    log = one_c.run_catalog({"import.xml": data, "offers.xml": offers})
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

DEFAULT_URL = "/exchange/1c/"


class ProtocolError(AssertionError):
    """The CRM answered something 1C would treat as a failure."""

    def __init__(self, step: str, reply: Reply) -> None:
        super().__init__(f"{step}: HTTP {reply.status}: {reply.text[:2000]}")
        self.step = step
        self.reply = reply


@dataclass
class Reply:
    status: int
    content: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        charset = "utf-8"
        if "charset=" in self.content_type:
            charset = self.content_type.split("charset=", 1)[1].split(";")[0].strip()
        return self.content.decode(charset, errors="replace")

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def word(self) -> str:
        """The status word 1C looks at: success, progress or failure."""
        return self.lines[0].strip() if self.content else ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.word == "success"


@dataclass
class Step:
    """One request of a session and its answer (the emulator's log)."""

    method: str
    params: dict[str, str]
    reply: Reply
    sent: int = 0


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """One archive as 1C builds it with zip=yes (names with sub-folders kept)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_files(paths: Iterable[str | Path]) -> dict[str, bytes]:
    return {Path(p).name: Path(p).read_bytes() for p in paths}


class OneCClient:
    """1C's side of the site-exchange protocol over a Django test Client or httpx.Client.

    ``basic_always`` resends the Basic header on every request (some 1C versions do);
    ``use_cookie=False`` never sends the cookie (then only Basic authenticates).
    """

    def __init__(
        self,
        transport: Any,
        *,
        login: str,
        password: str,
        url: str = DEFAULT_URL,
        version: str | None = None,
        basic_always: bool = False,
        use_cookie: bool = True,
    ) -> None:
        self.transport = transport
        self.login = login
        self.password = password
        self.url = url
        self.version = version
        self.basic_always = basic_always
        self.use_cookie = use_cookie
        self.cookie: tuple[str, str] | None = None
        self.zip: bool | None = None
        self.file_limit: int | None = None
        self.negotiated_version: str | None = None
        self.log: list[Step] = []

    # --- transport ----------------------------------------------------------------------

    def _basic(self) -> str:
        raw = f"{self.login}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def request(
        self,
        method: str,
        params: Mapping[str, str],
        body: bytes = b"",
        *,
        basic: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent_headers: dict[str, str] = {}
        if basic or self.basic_always:
            sent_headers["Authorization"] = self._basic()
        if self.cookie and self.use_cookie:
            sent_headers["Cookie"] = f"{self.cookie[0]}={self.cookie[1]}"
        sent_headers.update(headers or {})
        if hasattr(self.transport, "generic"):  # django.test.Client
            response = self.transport.generic(
                method,
                f"{self.url}?{urlencode(params)}",
                data=body,
                content_type="application/octet-stream",
                headers=sent_headers,
            )
            reply = Reply(
                status=response.status_code,
                content=response.content,
                content_type=response.get("Content-Type", ""),
                headers={k.lower(): v for k, v in response.items()},
            )
        else:  # httpx.Client with base_url set to the live server
            if body:
                sent_headers.setdefault("Content-Type", "application/octet-stream")
            response = self.transport.request(
                method, self.url, params=dict(params), content=body, headers=sent_headers
            )
            reply = Reply(
                status=response.status_code,
                content=response.content,
                content_type=response.headers.get("content-type", ""),
                headers={k.lower(): v for k, v in response.headers.items()},
            )
        self.log.append(Step(method=method, params=dict(params), reply=reply, sent=len(body)))
        return reply

    def get(self, type_: str, mode: str, **params: str) -> Reply:
        return self.request("GET", {"type": type_, "mode": mode, **params})

    @staticmethod
    def expect(step: str, reply: Reply, word: str = "success") -> Reply:
        if reply.status != 200 or reply.word != word:
            raise ProtocolError(step, reply)
        return reply

    # --- the steps ----------------------------------------------------------------------

    def checkauth(self, type_: str = "catalog") -> Reply:
        reply = self.request("GET", {"type": type_, "mode": "checkauth"}, basic=True)
        lines = reply.lines
        if reply.ok and len(lines) >= 3:
            self.cookie = (lines[1].strip(), lines[2].strip())
        return reply

    def init(self, type_: str = "catalog") -> Reply:
        params = {"version": self.version} if self.version else {}
        reply = self.get(type_, "init", **params)
        values = dict(
            line.split("=", 1) for line in reply.lines if "=" in line and reply.status == 200
        )
        if "zip" in values:
            self.zip = values["zip"].strip() == "yes"
        if "file_limit" in values:
            self.file_limit = int(values["file_limit"])
        self.negotiated_version = values.get("version")
        return reply

    def upload(
        self, type_: str, name: str, data: bytes, *, chunk: int | None = None
    ) -> list[Reply]:
        """``mode=file``: the raw bytes in chunks of ``file_limit`` (all with this name)."""
        size = chunk or self.file_limit or len(data) or 1
        replies = []
        for start in range(0, max(len(data), 1), size):
            part = data[start : start + size]
            reply = self.request("POST", {"type": type_, "mode": "file", "filename": name}, part)
            replies.append(reply)
            if not reply.ok:
                break
        return replies

    def import_file(
        self,
        type_: str,
        name: str,
        *,
        max_rounds: int = 200,
        between: Callable[[int], None] | None = None,
    ) -> tuple[Reply, list[str]]:
        """``mode=import`` until the answer is not ``progress``; answers the last reply and
        the progress texts seen. ``between(round)`` runs before each repeat (a test uses it
        to let a worker do the job meanwhile)."""
        texts: list[str] = []
        for round_ in range(max_rounds):
            reply = self.get(type_, "import", filename=name)
            if reply.word != "progress":
                return reply, texts
            texts.append("\n".join(reply.lines[1:]))
            if between is not None:
                between(round_)
        raise ProtocolError(f"import {name}: still progress after {max_rounds} rounds", reply)

    def deactivate(self, timestamp: str = "") -> Reply:
        params = {"timestamp": timestamp} if timestamp else {}
        return self.get("catalog", "deactivate", **params)

    def complete(self) -> Reply:
        return self.get("catalog", "complete")

    def query(self) -> Reply:
        return self.get("sale", "query")

    def success(self) -> Reply:
        return self.get("sale", "success")

    # --- whole sessions -----------------------------------------------------------------

    def start(self, type_: str) -> None:
        self.expect("checkauth", self.checkauth(type_))
        reply = self.init(type_)
        if reply.status != 200 or not reply.text.startswith("zip="):
            raise ProtocolError("init", reply)

    def run_catalog(
        self,
        files: Mapping[str, bytes],
        *,
        zipped: bool | None = None,
        archive_name: str = "import.zip",
        deactivate: bool = True,
        between: Callable[[int], None] | None = None,
    ) -> dict[str, Reply]:
        """A whole catalogue upload as 1C does it: checkauth, init, every file (or one
        archive when the CRM answered zip=yes), import of every XML file in the given
        order, then deactivate and complete. Answers the final import reply per file."""
        self.start("catalog")
        zipped = self.zip if zipped is None else zipped
        uploads = {archive_name: zip_files(files)} if zipped else dict(files)
        for name, data in uploads.items():
            for reply in self.upload("catalog", name, data):
                self.expect(f"file {name}", reply)
        results = {}
        for name in files:
            if not name.lower().endswith(".xml") or "/" in name:
                continue
            reply, _texts = self.import_file("catalog", name, between=between)
            results[name] = self.expect(f"import {name}", reply)
        if deactivate:
            self.expect("deactivate", self.deactivate())
        self.expect("complete", self.complete())
        return results

    def run_sale(
        self,
        orders: Mapping[str, bytes] | None = None,
        *,
        confirm: bool = True,
        import_after: bool = True,
        zipped: bool = False,
    ) -> bytes:
        """An order exchange: checkauth, init, query, success, then the upload of 1C's
        changed orders (followed by mode=import when ``import_after``). Answers what
        ``query`` gave."""
        self.start("sale")
        reply = self.query()
        if reply.status != 200 or reply.word == "failure":
            raise ProtocolError("query", reply)
        content = reply.content
        if confirm:
            self.expect("success", self.success())
        files = dict(orders or {})
        uploads = {"orders.zip": zip_files(files)} if zipped and files else files
        for name, data in uploads.items():
            for step in self.upload("sale", name, data):
                self.expect(f"file {name}", step)
        if import_after:
            for name in files:
                reply, _texts = self.import_file("sale", name)
                self.expect(f"import {name}", reply)
        return content
