"""The seam where a channel plugs in: one class per service behind one interface, as in
apprise. This module knows no channel; the registry that names them (built-in and plugins'
``solesource.notifiers`` entry points) is ``notifications.load_notifiers``, so a channel can
import ``Target`` from here without an import cycle."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from notifications.targets import (  # noqa: F401 (re-exported: one guard for every target)
    LOOPBACK_ENV,
    RefusedTarget,
    check_url,
)
from notifications.types import ConfigurationError, DeliveryResult, Message


@dataclass(frozen=True)
class Target:
    """Where a subscription's messages go. ``address`` and ``secret`` are secrets."""

    channel: str  # "email", "slack", "webhook"
    address: str  # an email address or a URL
    secret: str | None = None  # the webhook signing secret

    @property
    def masked(self) -> str:
        return mask(self.channel, self.address)


def mask(channel: str, address: str) -> str:
    """What logs and the delivery table may show: never the whole address or URL path."""
    if channel == "email":
        local, _, domain = address.partition("@")
        return f"mailto:{local[:1]}***@{domain}"
    parts = urlsplit(address)
    return f"{channel}:{parts.scheme}://{parts.hostname or '?'}/***"


class Notifier(Protocol):
    channel: ClassVar[str]

    def send(self, message: Message, target: Target) -> DeliveryResult: ...


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate(target: Target, *, allow_loopback: bool = False) -> None:
    """Raise ConfigurationError (RefusedTarget for a URL) when a target cannot work. A URL's
    host is checked as written here; its addresses are checked when a message is sent.
    ``allow_loopback`` lets a URL on 127.0.0.1 through (local testing and the demo)."""
    if target.channel == "email":
        if not EMAIL.match(target.address):
            raise ConfigurationError(f"{target.address!r} is not an email address")
    elif target.channel in ("slack", "webhook"):
        check_url(target.address, allow_loopback=allow_loopback)
        if target.channel == "webhook" and not target.secret:
            raise ConfigurationError("a webhook needs a signing secret (--secret)")
