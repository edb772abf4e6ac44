"""A small synchronous client of 1C's standard OData interface (OData v3, JSON).

``ODataClient(base_url, username, password)`` talks to one published infobase
(``http(s)://host/<publication>/odata/standard.odata/``) with HTTP Basic auth:

* ``metadata()`` reads ``$metadata`` (EDMX) as bytes (parse with ``metadata.read_metadata``);
* ``query(entity_set, select=, filter=, orderby=, top=, skip=, inlinecount=)`` one page;
* ``iterate(entity_set, ...)`` every element, page after page with ``$top``/``$skip``
  (ordered, so that pages do not overlap);
* ``element(entity_set, ref_key)`` one element by ``guid'…'``;
* ``create(entity_set, data)`` POSTs a new element and answers what 1C stored.

Every failure is an ``ODataError`` whose message says in plain words what went wrong and
where (connection refused, timeout, wrong password, object not published, 1C's own
``odata.error`` message), never a traceback.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import quote

import httpx
from django.utils.translation import gettext as _

DEFAULT_TIMEOUT = 30.0
DEFAULT_PAGE_SIZE = 500
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
# Characters 1C reads literally in paths and query values (everything else is %-encoded,
# including "+" and spaces: 1C does not read "+" as a space).
_SAFE_PATH = "/()'_$.,=-"
_SAFE_QUERY = "()'_$.,:-/"


class ODataError(Exception):
    """A readable failure of a request to 1C (the message is shown to users as is)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


def guid(value: str) -> str:
    """An OData guid literal: ``guid'…'``."""
    return f"guid'{value}'"


def string(value: str) -> str:
    """An OData string literal (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def datetime_literal(value: str) -> str:
    """An OData v3 datetime literal from ``YYYY-MM-DDTHH:MM:SS``."""
    return f"datetime'{value}'"


def is_empty_ref(value: Any) -> bool:
    return not value or value == EMPTY_REF


def base_url_of(url: str) -> str:
    """The publication URL normalised to end with ``/odata/standard.odata/``."""
    url = (url or "").strip()
    if not url:
        return ""
    url = url.split("?", 1)[0].rstrip("/")
    if url.endswith("/$metadata"):
        url = url[: -len("/$metadata")]
    if not url.endswith("/odata/standard.odata"):
        if url.endswith("/odata"):
            url += "/standard.odata"
        else:
            url += "/odata/standard.odata"
    return url + "/"


class ODataClient:
    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: str = "",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        page_size: int = DEFAULT_PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url_of(base_url)
        if not self.base_url.startswith(("http://", "https://")):
            raise ODataError(
                _("The 1C address “%(url)s” must start with http:// or https://.")
                % {"url": base_url}
            )
        self.page_size = page_size
        self.timeout = timeout
        self._http = httpx.Client(
            auth=httpx.BasicAuth(username or "", password or "") if username else None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json", "User-Agent": "Rapport-CRM"},
            follow_redirects=False,
            transport=transport,
        )

    # -- plumbing -------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ODataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str, params: Iterable[tuple[str, str]] = ()) -> str:
        url = self.base_url + quote(path, safe=_SAFE_PATH)
        query = "&".join(f"{name}={quote(str(value), safe=_SAFE_QUERY)}" for name, value in params)
        return f"{url}?{query}" if query else url

    def _send(self, method: str, url: str, *, body: Any = None, what: str) -> httpx.Response:
        content = None
        headers = {}
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json;charset=utf-8"
        try:
            response = self._http.request(method, url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, what) from exc
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    def _transport_error(self, exc: httpx.HTTPError, what: str) -> ODataError:
        if isinstance(exc, httpx.TimeoutException):
            return ODataError(
                _("1C at %(url)s did not answer within %(seconds)s seconds (%(what)s).")
                % {"url": self.base_url, "seconds": int(self.timeout), "what": what}
            )
        if isinstance(exc, httpx.ConnectError):
            return ODataError(
                _(
                    "Cannot connect to 1C at %(url)s: %(reason)s. Check the address and "
                    "that the 1C web server is running."
                )
                % {"url": self.base_url, "reason": _reason(exc)}
            )
        return ODataError(
            _("The request to 1C at %(url)s failed (%(what)s): %(reason)s.")
            % {"url": self.base_url, "what": what, "reason": _reason(exc)}
        )

    def _error(self, response: httpx.Response, what: str) -> ODataError:
        status = response.status_code
        if status == 401:
            return ODataError(
                _("1C refused the user name or password (HTTP 401) at %(url)s.")
                % {"url": self.base_url},
                status=status,
            )
        if status == 403:
            return ODataError(
                _("The 1C user may not read or write %(what)s (HTTP 403).") % {"what": what},
                status=status,
            )
        code, message = _odata_error(response)
        if message:
            return ODataError(
                _("1C answered “%(message)s” to %(what)s (HTTP %(status)s).")
                % {"message": message, "what": what, "status": status},
                status=status,
                code=code,
            )
        if status == 404:
            return ODataError(
                _(
                    "1C does not publish %(what)s (HTTP 404). Add the object to the OData "
                    "interface of the infobase or check the address."
                )
                % {"what": what},
                status=status,
            )
        return ODataError(
            _("1C answered HTTP %(status)s to %(what)s.") % {"status": status, "what": what},
            status=status,
        )

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            head = response.text[:80].strip()
            raise ODataError(
                _("1C answered %(what)s with something that is not JSON: “%(head)s”.")
                % {"what": what, "head": head}
            ) from exc
        if not isinstance(data, dict):
            raise ODataError(_("1C answered %(what)s with unexpected JSON.") % {"what": what})
        if "odata.error" in data:
            code, message = _error_parts(data["odata.error"])
            raise ODataError(
                _("1C answered “%(message)s” to %(what)s.") % {"message": message, "what": what},
                status=response.status_code,
                code=code,
            )
        return data

    # -- reads ----------------------------------------------------------------------------
    def metadata(self) -> IO[bytes]:
        """The EDMX document, downloaded in chunks into a temporary file (a big
        configuration's ``$metadata`` runs to megabytes); parse it with
        ``metadata.read_metadata``. The caller closes the file."""
        url = self.url("$metadata")
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
        try:
            try:
                with self._http.stream("GET", url) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise self._error(response, "$metadata")
                    for chunk in response.iter_bytes():
                        spool.write(chunk)
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, "$metadata") from exc
            spool.seek(0)
            head = spool.read(200)
            spool.seek(0)
            if not head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
                raise ODataError(
                    _("1C answered $metadata with something that is not XML: “%(head)s”.")
                    % {"head": head[:80].decode("utf-8", "replace").strip()}
                )
        except BaseException:
            spool.close()
            raise
        return spool

    def query(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | None = None,
        filter: str = "",
        orderby: str = "",
        top: int | None = None,
        skip: int | None = None,
        inlinecount: bool = False,
    ) -> dict[str, Any]:
        """One answer of a collection: ``{"value": [...], "odata.count": "n"?}``."""
        params: list[tuple[str, str]] = [("$format", "json")]
        if select:
            params.append(("$select", ",".join(select)))
        if filter:
            params.append(("$filter", filter))
        if orderby:
            params.append(("$orderby", orderby))
        if top is not None:
            params.append(("$top", str(top)))
        if skip:
            params.append(("$skip", str(skip)))
        if inlinecount:
            params.append(("$inlinecount", "allpages"))
        response = self._send("GET", self.url(entity_set, params), what=entity_set)
        data = self._json(response, entity_set)
        if not isinstance(data.get("value"), list):
            raise ODataError(
                _("1C answered %(what)s without a list of elements.") % {"what": entity_set}
            )
        return data

    def count(self, entity_set: str, *, filter: str = "") -> int:
        data = self.query(entity_set, filter=filter, top=1, inlinecount=True, select=["*"])
        try:
            return int(data.get("odata.count", len(data["value"])))
        except (TypeError, ValueError):
            return len(data["value"])

    def iterate(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | None = None,
        filter: str = "",
        orderby: str = "Ref_Key",
        page_size: int | None = None,
        start: int = 0,
    ) -> Iterator[dict[str, Any]]:
        """Every element, in pages of ``page_size`` (``$top``/``$skip`` on a stable order)."""
        size = page_size or self.page_size
        select = list(select) if select else None
        skip = start
        while True:
            page = self.query(
                entity_set, select=select, filter=filter, orderby=orderby, top=size, skip=skip
            )["value"]
            yield from page
            if len(page) < size:
                return
            skip += len(page)

    def element(
        self, entity_set: str, ref_key: str, *, select: Iterable[str] | None = None
    ) -> dict[str, Any]:
        params: list[tuple[str, str]] = [("$format", "json")]
        if select:
            params.append(("$select", ",".join(select)))
        path = f"{entity_set}({guid(ref_key)})"
        return self._json(self._send("GET", self.url(path, params), what=path), path)

    # -- writes ---------------------------------------------------------------------------
    def create(self, entity_set: str, data: dict[str, Any]) -> dict[str, Any]:
        """POST a new element; answers the element as 1C stored it (with its ``Ref_Key``)."""
        url = self.url(entity_set, [("$format", "json")])
        result = self._json(self._send("POST", url, body=data, what=entity_set), entity_set)
        if not result.get("Ref_Key"):
            raise ODataError(
                _("1C did not answer the new %(what)s with its Ref_Key.") % {"what": entity_set}
            )
        return result

    def update(self, entity_set: str, ref_key: str, data: dict[str, Any]) -> dict[str, Any]:
        path = f"{entity_set}({guid(ref_key)})"
        url = self.url(path, [("$format", "json")])
        return self._json(self._send("PATCH", url, body=data, what=path), path)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text or exc.__class__.__name__


def _error_parts(error: Any) -> tuple[str, str]:
    if not isinstance(error, dict):
        return "", str(error)
    code = str(error.get("code", "") or "")
    message = error.get("message", "")
    if isinstance(message, dict):
        message = message.get("value", "")
    return code, str(message or code)


def _odata_error(response: httpx.Response) -> tuple[str, str]:
    try:
        data = response.json()
    except ValueError:
        return "", ""
    if isinstance(data, dict) and "odata.error" in data:
        return _error_parts(data["odata.error"])
    return "", ""
