"""The seam where a channel plugs in: one class per service behind one interface, as in
apprise. Channels are looked up by name; plugins add theirs through the
``solesource.notifiers`` entry point group."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

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


def builtin_notifiers() -> dict[str, type[Notifier]]:
    from notifications.email import EmailNotifier
    from notifications.slack import SlackNotifier
    from notifications.webhook import WebhookNotifier

    return {"email": EmailNotifier, "slack": SlackNotifier, "webhook": WebhookNotifier}


def load_notifiers() -> dict[str, type[Notifier]]:
    found = {ep.name: ep.load() for ep in entry_points(group="solesource.notifiers")}
    return builtin_notifiers() | found


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


LOOPBACK_ENV = "SOLESOURCE_ALLOW_LOOPBACK"


def loopback_allowed() -> bool:
    """Targets on this machine (127.0.0.1) are for local testing and the demo only."""
    return os.environ.get(LOOPBACK_ENV) == "1"


def check_url(url: str, *, allow_loopback: bool | None = None, resolve: bool = False) -> None:
    """https only (plain http only to loopback, for local tests); never a private address,
    and never this machine unless SOLESOURCE_ALLOW_LOOPBACK=1."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{mask('webhook', url)} is not an http(s) URL")
    if is_loopback(host):
        if not (loopback_allowed() if allow_loopback is None else allow_loopback):
            raise ConfigurationError(f"{mask('webhook', url)} points at this machine; that is "
                                     f"allowed only for local testing ({LOOPBACK_ENV}=1)")
        return
    if parts.scheme != "https":
        raise ConfigurationError(f"{mask('webhook', url)}: use https (plain http is allowed "
                                 "only to 127.0.0.1 for local testing)")
    addresses = [host]
    if resolve:
        try:
            addresses = [info[4][0] for info in socket.getaddrinfo(host, None)]
        except OSError:
            addresses = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise ConfigurationError(f"{mask('webhook', url)} points at a private address")


def validate(target: Target) -> None:
    if target.channel == "email":
        if not EMAIL.match(target.address):
            raise ConfigurationError(f"{target.address!r} is not an email address")
    elif target.channel in ("slack", "webhook"):
        check_url(target.address)
        if target.channel == "webhook" and not target.secret:
            raise ConfigurationError("a webhook needs a signing secret (--secret)")
