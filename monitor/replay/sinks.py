"""Local stand-ins for the receiving end: a real SMTP server (aiosmtpd), an HTTP server that
answers like a Slack incoming webhook, and a webhook receiver that checks the HMAC signature.
Used by the tests and by ``solesource demo``; each can save what it receives to a folder."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from notifications.webhook import verify


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> Any:
        return message_from_bytes(self.content, policy=policy.default)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if self.sink.modes and self.sink.modes[0] in ("451", "550"):
            code = self.sink.modes.popleft()
            return ("451 4.3.0 try again later" if code == "451"
                    else "550 5.1.1 no such mailbox")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mode = self.sink.modes.popleft() if self.sink.modes else None
        if mode == "slow":
            await asyncio.sleep(0.5)
        if mode == "disconnect":
            session.transport.close() if hasattr(session, "transport") and session.transport \
                else None
            return "421 4.4.2 closing connection"
        self.sink.record(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """``with SmtpSink() as sink:`` a real SMTP server on 127.0.0.1:``sink.port``."""

    def __init__(self, save_to: Path | None = None) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.modes: deque[str] = deque()  # "451", "550", "disconnect", "slow" per message
        self.save_to = save_to
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.on_receive: Any = None  # called after each message is stored (fault tests)

    def record(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)
        if self.on_receive is not None:
            self.on_receive()
        if self.save_to is not None:
            msg = item.message
            stem = (msg["Message-ID"] or f"<{len(self.received)}>").strip("<>").split("@")[0]
            self.save_to.mkdir(parents=True, exist_ok=True)
            (self.save_to / f"{stem}.eml").write_bytes(item.content)
            html = msg.get_body(preferencelist=("html",))
            if html is not None:
                (self.save_to / f"{stem}.html").write_text(html.get_content(), encoding="utf-8")

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class HttpSink:
    """A WSGI app that records POSTs and answers from a script, then with ``default``."""

    default: tuple[int, str, dict[str, str]] = (200, "ok", {})
    script: deque[tuple[int, str, dict[str, str]]] = field(default_factory=deque)
    received: list[dict[str, Any]] = field(default_factory=list)
    save_to: Path | None = None
    secret: str | None = None  # set: verify webhook signatures
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_receive: Any = None  # called after each accepted POST is stored (fault tests)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        entry: dict[str, Any] = {"path": environ.get("PATH_INFO"), "headers": headers,
                                 "raw": raw}
        try:
            entry["json"] = json.loads(raw or b"null")
        except ValueError:
            entry["json"] = None
        if self.secret is not None:
            entry["valid"] = verify(self.secret, headers.get("x-solesource-timestamp", "0"), raw,
                                    headers.get("x-solesource-signature", ""))
        with self.lock:
            status, body, extra = self.script.popleft() if self.script else self.default
            accepted = 200 <= status < 300
            if accepted:
                self.received.append(entry)
                self._save(entry)
        if accepted and self.on_receive is not None:
            self.on_receive()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 410: "Gone",
                  429: "Too Many Requests", 500: "Internal Server Error"}.get(status, "Status")
        start_response(f"{status} {reason}", [("Content-Type", "text/plain"), *extra.items()])
        return [body.encode()]

    def _save(self, entry: dict[str, Any]) -> None:
        if self.save_to is None:
            return
        self.save_to.mkdir(parents=True, exist_ok=True)
        key = (entry["headers"].get("idempotency-key")
               or entry["headers"].get("x-solesource-message") or f"{len(self.received):04d}")
        (self.save_to / f"{key}.json").write_text(
            json.dumps(entry["json"], indent=2, ensure_ascii=False), encoding="utf-8")

    def keys(self) -> list[str]:
        return [e["headers"].get("idempotency-key") or e["headers"].get("x-solesource-message",
                                                                         "")
                for e in self.received]
