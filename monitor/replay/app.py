"""WSGI machinery: routing, an injectable clock, scripted faults and a request log."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from monitor.replay import federal_register, samgov, usaspending
from monitor.replay.data import Dataset
from monitor.replay.wsgi import Fault, Request, Response, Route

__all__ = ["Fault", "ReplayApp", "Request", "Response"]

StartResponse = Callable[..., Any]

HTML_CHALLENGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<h1>Due to aggressive automated scraping please complete a CAPTCHA</h1></body></html>"
)


REASONS = {200: "OK", 206: "Partial Content", 302: "Found", 303: "See Other",
           304: "Not Modified", 307: "Temporary Redirect", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class ReplayApp:
    """The WSGI application. Routes are (name, method, regex, handler)."""

    def __init__(self, data: Dataset, clock: Callable[[], datetime] | None = None,
                 keys: dict[str, int] | None = None, **modes: Any):
        self.data = data
        self.clock = clock or (lambda: datetime.now(UTC))
        self.keys = dict(keys if keys is not None else {"DEMO-KEY": 1000})
        self.modes: dict[str, Any] = {
            "offset": "record",  # or "page"
            "empty": "list",  # or "omit" or "404"
            "missing_key_status": 403,
            "next_access_time": True,
            "retry_after": False,
            "range_message": "1",  # live variant: "null"
            "presign_expires": 3600,
        } | modes
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.requests: list[Request] = []
        self.usage: dict[tuple[str, str], int] = defaultdict(int)
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.drift: deque[dict[str, Any]] = deque()
        self.on_request: Callable[[Request, int], None] | None = None
        self.routes: list[Route] = [
            *samgov.ROUTES, *federal_register.ROUTES, *usaspending.ROUTES]

    # -- test controls ---------------------------------------------------------------------

    def script(self, route: str, *faults: Fault) -> None:
        self.faults[route].extend(faults)

    def count(self, route: str) -> int:
        return sum(1 for r in self.requests if self.route_name(r.path) == route)

    def route_name(self, path: str) -> str | None:
        for name, _method, pattern, _h in self.routes:
            if pattern.fullmatch(path):
                return name
        return None

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        req = Request(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", "/"),
            query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers={k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                     if k.startswith("HTTP_")},
            host_url=f"{environ.get('wsgi.url_scheme', 'http')}://"
                     f"{environ.get('HTTP_HOST') or environ.get('SERVER_NAME', 'localhost')}",
            body=_read_body(environ),
        )
        with self.lock:
            self.requests.append(req)
            seq = len(self.requests)
        if self.on_request is not None:
            self.on_request(req, seq)
        response = self._dispatch(req)
        headers = {"Content-Length": str(len(response.body))} | response.headers
        start_response(f"{response.status} {REASONS.get(response.status, 'Status')}",
                       list(headers.items()))
        if response.chunks is not None:
            return response.chunks
        return [response.body]

    def _dispatch(self, req: Request) -> Response:
        for name, method, pattern, handler in self.routes:
            m = pattern.fullmatch(req.path)
            if not m:
                continue
            if req.method != method:
                return Response.json(405, {"status": 405, "message": "Method Not Allowed"})
            fault = self.faults[name].popleft() if self.faults[name] else None
            if fault is not None and (override := self._apply_fault(fault)) is not None:
                return override
            response = handler(self, req, m.groupdict())
            if fault is not None and fault.truncate_after is not None:
                full = len(response.body)
                response.headers["Content-Length"] = str(full)
                response.chunks = _truncated(response.body, fault.truncate_after)
            return response
        return Response.json(404, {"status": 404, "message": "Record Not Found"})

    def _apply_fault(self, fault: Fault) -> Response | None:
        if fault.delay:
            self.release.wait(fault.delay)
        if fault.hang:
            self.release.wait(60)
            return Response.text(504, "released")
        if fault.html_challenge:
            return Response.text(fault.status or 200, HTML_CHALLENGE, "text/html; charset=utf-8")
        if fault.status is not None:
            body = fault.body if fault.body is not None else json.dumps(
                {"errorCode": "INTERNAL SERVER ERROR",
                 "errorMessage": "Application has encountered some issues..."})
            data = body if isinstance(body, bytes) else body.encode()
            return Response(fault.status, data,
                            {"Content-Type": "application/json", **fault.headers})
        return None


def _read_body(environ: dict[str, Any], limit: int = 1_000_000) -> bytes:
    """The request body (at most ``limit`` bytes); empty for a GET."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if length <= 0 or stream is None:
        return b""
    return bytes(stream.read(min(length, limit)))


def _truncated(body: bytes, n: int) -> Iterator[bytes]:
    yield body[:n]
