"""Serve a ReplayApp on 127.0.0.1 in a background thread (tests, ``solesource demo``)."""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any
from typing import Any as _Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger(__name__)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("replay: " + format, *args)


class ReplayServer:
    """``with ReplayServer(app) as url:`` → ``http://127.0.0.1:<port>``."""

    def __init__(self, app: _Any, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.httpd = make_server(host, port, app, server_class=_ThreadingServer,
                                 handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="replay-server")

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self.thread.start()
        return self.url

    def stop(self) -> None:
        if hasattr(self.app, "release"):
            self.app.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
