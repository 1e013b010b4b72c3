"""What a replay route handler takes and returns: the request, the response, the running
replay's state, and a scripted fault. The route modules (samgov, federal_register) import
only this; ``app`` imports them and does the WSGI work."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from monitor.replay.data import Dataset


@dataclass
class Fault:
    """One scripted misbehaviour for one request on a route."""

    status: int | None = None
    body: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the server is released or stopped)
    delay: float = 0.0  # answer, but this many seconds late (a slow server)
    truncate_after: int | None = None  # promise the full length, send fewer bytes
    html_challenge: bool = False


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    host_url: str
    body: bytes = b""  # a POST's body (USAspending searches)

    def arg(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.query:
            if k == name:
                return v
        return default

    def args(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> Response:
        return cls(status, json.dumps(payload).encode(),
                   {"Content-Type": "application/json", **headers})

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8",
             **headers: str) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type, **headers})


class Replay(Protocol):
    """The running replay as a handler sees it (``ReplayApp`` is one): the data it serves,
    its clock, the API keys and their daily quota, the modes that pick a live variant,
    the quota used so far, records waiting to drift into the next search, and the lock
    that guards the last two."""

    data: Dataset
    clock: Callable[[], datetime]
    keys: dict[str, int]
    modes: dict[str, Any]
    usage: dict[tuple[str, str], int]
    drift: deque[dict[str, Any]]
    lock: threading.Lock


Handler = Callable[[Replay, Request, dict[str, str]], Response]
Route = tuple[str, str, re.Pattern[str], Handler]  # name, method, path pattern, handler
