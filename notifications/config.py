"""What delivery needs to know, as plain values: built by ``monitor.settings`` from the TOML
file and the environment, never read from the environment here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password: str | None = None
    sender: str = "solesource <alerts@localhost>"
    timeout: float = 30.0

    def __repr__(self) -> str:  # never show the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


@dataclass(frozen=True)
class DeliveryConfig:
    """Everything delivery reads from the configuration.

    ``public_url`` is where ``solesource serve`` is reachable (links in messages);
    ``secret_key`` signs unsubscribe links (empty: one is generated once and kept in the
    private database); ``notice_path`` gives the path of a notice's page under
    ``public_url`` (None: messages carry no browse link); ``open_client`` makes the HTTP
    client whose timeout, headers and logging Slack and webhook posts borrow (the caller's,
    so its User-Agent and redacted log line are kept); ``allow_loopback`` lets Slack and
    webhook URLs on 127.0.0.1 through (tests and the demo only). ``repr`` never shows a
    secret.
    """

    public_url: str = "http://127.0.0.1:8001"
    secret_key: str = field(default="", repr=False)
    smtp: SmtpConfig = SmtpConfig()
    notice_path: Callable[[str], str] | None = field(default=None, repr=False)
    open_client: Callable[[], httpx.Client] = field(default=httpx.Client, repr=False)
    allow_loopback: bool = False
