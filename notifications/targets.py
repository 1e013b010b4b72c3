"""The one guard for every URL a user gives us to send to (Slack, webhooks).

A target is refused unless every address its host stands for is a public one:

- the host is normalised first: every IPv4 spelling a resolver accepts (``2130706433``,
  ``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``0``) is read as the address it spells, as
  the WHATWG URL standard and ``inet_aton`` do, and a trailing dot is dropped;
- a name is resolved; an unresolvable name is refused, not let through;
- every address is checked with ``ipaddress``: loopback, private, link-local, CGNAT
  (100.64/10), multicast, reserved and unspecified addresses are refused, and so are public-
  looking IPv6 addresses that embed one (IPv4-mapped ``::ffff:``, 6to4 ``2002::/16``, NAT64
  ``64:ff9b::/96``, Teredo);
- the connection then goes to the address that was checked — the name is never resolved a
  second time (DNS rebinding) — while TLS SNI, certificate checks and the Host header keep the
  name from the URL. Redirects are never followed; environment proxies are not used (a proxy
  would resolve the name itself).

``allow_loopback=True`` (``SOLESOURCE_ALLOW_LOOPBACK=1``, read by monitor.settings: the tests
and ``solesource demo``) lets 127.0.0.1 through, and nothing else on this machine.

Connections go through :class:`GuardedBackend`, an httpcore network backend: every TCP
connection that :func:`guarded_client` opens is checked, whatever the URL path that led to it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from notifications.types import ConfigurationError

log = logging.getLogger(__name__)

LOOPBACK_ENV = "SOLESOURCE_ALLOW_LOOPBACK"  # named in error lines; monitor.settings reads it
LOCAL_TESTING = ipaddress.IPv4Address("127.0.0.1")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses the name stands for, as strings; raises OSError when it cannot
Resolver = Callable[[str, int], list[str]]

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
_LOCAL_NAMES = ("localhost", "localhost.localdomain")


class RefusedTarget(ConfigurationError):
    """A Slack or webhook URL that may not be sent to: a non-public address, a name that does
    not resolve, or an odd scheme. The message is safe to log (the URL's path, its secret,
    is masked) and names what to do. Caught per message by delivery. ``retryable`` is True
    only when the name could not be resolved for a reason that may pass (a DNS server
    failing, not a name that does not exist): nothing was sent either way."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def shown(url: str) -> str:
    """What an error may say about a URL: its scheme and host, never its path or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        scheme = parts.scheme or "?"
    except ValueError:
        return "the URL"
    return f"{scheme}://{f'[{host}]' if ':' in host else host}/***"


# --- the host ------------------------------------------------------------------------------


def _ipv4_number(part: str) -> int | None:
    """One dotted part as the number a resolver reads: 0x.. hex, 0.. octal, else decimal."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def _ends_in_number(parts: list[str]) -> bool:
    last = parts[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any of the forms resolvers accept, or None for a
    name. ``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1`` and ``127.0.0.1.`` are
    all 127.0.0.1. Raises RefusedTarget for a host that looks numeric but is not a valid
    address (``1.2.3.4.5``, ``09.1``): it must not be handed to a resolver either."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts or not _ends_in_number(parts):
        return None
    numbers = [_ipv4_number(p) if p else None for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise RefusedTarget(f"{host!r} is not a valid IPv4 address")
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        raise RefusedTarget(f"{host!r} is not a valid IPv4 address (a part is out of range)")
    number = last
    for i, n in enumerate(head):
        number += n << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def parse_host(host: str) -> IPAddress | None:
    """The address a URL's host is written as (any IPv4 spelling, an IPv6 literal without
    its brackets), or None when the host is a name to resolve."""
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise RefusedTarget(f"{host!r} is not a valid IPv6 address") from None
    return parse_ipv4(host)


def _parse(host: str, label: str) -> IPAddress | None:
    try:
        return parse_host(host)
    except RefusedTarget as exc:
        raise RefusedTarget(f"{label}: {exc}; check the URL") from None


# --- the address ---------------------------------------------------------------------------


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, Teredo), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def refusal(ip: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why an address may not be sent to, or None when it may. Public addresses pass, and
    127.0.0.1 itself when ``allow_loopback``; everything else is refused."""
    if allow_loopback and ip == LOCAL_TESTING:
        return None
    if ip.is_loopback:
        return "this machine"
    if ip.is_unspecified:
        return "the unspecified address, this machine"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a link-local address"
        inner = _embedded_v4(ip)
        if inner is not None:
            why = refusal(inner, allow_loopback=False)
            return f"an IPv6 address embedding {inner}, {why}" if why else None
        if ip in _IPV4_COMPATIBLE:
            return "an IPv4-compatible IPv6 address"
    if ip.is_link_local:
        return "a link-local address (e.g. cloud metadata)"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "a carrier-grade NAT address (100.64.0.0/10)"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "a private or reserved address"
    return None


def _may_pass(exc: BaseException) -> bool:
    """Whether a failed lookup may succeed later (EAI_AGAIN, a resolver error), as opposed
    to a name that does not exist."""
    gone = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
    return isinstance(exc, socket.gaierror) and exc.errno not in gone


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a name (``socket.getaddrinfo``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Checked:
    """A target that passed: the host as written and the addresses to connect to, in the
    resolver's order, every one of them checked."""

    host: str
    port: int
    addresses: tuple[IPAddress, ...]


class TargetGuard:
    """Checks hosts and hands out the checked addresses. ``resolver`` is for tests (a name
    that resolves where they say); ``allow_loopback`` lets 127.0.0.1 through (local testing
    and the demo only)."""

    def __init__(self, resolver: Resolver | None = None, allow_loopback: bool = False) -> None:
        self.resolver = resolver
        self.allow_loopback = allow_loopback

    def check_host(self, host: str, port: int, what: str = "") -> Checked:
        """Resolve ``host`` once and check every address. Returns them; raises RefusedTarget
        when the host is invalid, does not resolve, or any address is not public."""
        label = what or host
        name = host.strip("[]").lower()
        if len(name) > 1 and name.endswith("."):
            name = name[:-1]  # "localhost." is localhost
        literal = _parse(name, label)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            resolver = self.resolver or system_resolver
            try:
                found = resolver(name, port)
            except (OSError, UnicodeError) as exc:
                raise RefusedTarget(f"{label}: the host {host!r} could not be resolved "
                                    f"({exc}); check the URL",
                                    retryable=_may_pass(exc)) from None
            addresses = []
            for text in found:
                try:
                    addresses.append(ipaddress.ip_address(text))
                except ValueError:
                    raise RefusedTarget(f"{label}: {host!r} resolved to {text!r}, "
                                        "which is not an address") from None
            if not addresses:
                raise RefusedTarget(f"{label}: the host {host!r} could not be resolved; "
                                    "check the URL")
        allow = self.allow_loopback
        for ip in addresses:
            why = refusal(ip, allow_loopback=allow)
            if why:
                hint = (f"; that is allowed only to 127.0.0.1 for local testing "
                        f"({LOOPBACK_ENV}=1)" if why == "this machine" else
                        "; use a public https URL")
                shown_ip = "" if literal is not None and str(ip) == name else f" ({ip})"
                raise RefusedTarget(f"{label} points at {why}{shown_ip}{hint}")
        return Checked(name, port, tuple(addresses))


# --- the URL -------------------------------------------------------------------------------


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise RefusedTarget(f"{shown(url)} is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise RefusedTarget(f"{shown(url)} is not an http(s) URL")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in _LOCAL_NAMES or name.endswith(".localhost")


def check_url(url: str, *, allow_loopback: bool = False, resolve: bool = False,
              resolver: Resolver | None = None) -> Checked | None:
    """Check a target URL: http(s) only, plain http only to 127.0.0.1 for local testing, and
    a host that is not this machine nor a private address in any spelling. With ``resolve``
    the name is resolved and every address checked, and the checked addresses are returned;
    without it (when a subscription is added) only what the URL itself says is checked.
    Raises RefusedTarget (a ConfigurationError)."""
    scheme, host, port = _split(url)
    guard = TargetGuard(resolver, allow_loopback)
    allow = allow_loopback
    what = shown(url)
    literal = _parse(host, what)
    if is_local_name(host) and not allow:
        raise RefusedTarget(f"{what} points at this machine; that is allowed only to "
                            f"127.0.0.1 for local testing ({LOOPBACK_ENV}=1)")
    checked = guard.check_host(host, port, what) if literal is not None or resolve else None
    if scheme != "https" and not (allow and (literal == LOCAL_TESTING or is_local_name(host))):
        raise RefusedTarget(f"{what}: use https (plain http is allowed only to 127.0.0.1 "
                            "for local testing)")
    return checked


# --- connecting ----------------------------------------------------------------------------


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that resolves each host once through the guard and
    connects to the checked addresses only (in order, the next on failure). httpcore still
    gives TLS the host name from the URL, so SNI and certificate checks are unchanged."""

    def __init__(self, guard: TargetGuard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        checked = self.guard.check_host(host, port)
        last: Exception | None = None
        for ip in checked.addresses:
            try:
                return self.inner.connect_tcp(str(ip), port, timeout=timeout,
                                              local_address=local_address,
                                              socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                log.debug("could not connect to %s:%s (%s)", ip, port, type(exc).__name__)
                last = exc
        assert last is not None  # check_host never returns an empty list
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise RefusedTarget("unix sockets are not a delivery target")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (its exception mapping, its streams) over a connection pool
    whose every connection goes through :class:`GuardedBackend`. httpx 0.28 has no public
    ``network_backend`` argument yet, so the pool is replaced after construction; the
    rebinding test in tests/test_targets.py fails if a future httpx stops using it."""

    def __init__(self, guard: TargetGuard) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=_ssl_context(), max_connections=10,
                                             max_keepalive_connections=5,
                                             network_backend=GuardedBackend(guard))


def guarded_client(template: httpx.Client | None = None, *, resolver: Resolver | None = None,
                   allow_loopback: bool = False) -> httpx.Client:
    """A client for user-given URLs: every connection is guarded, no redirects, no proxies.
    It takes its timeout, headers and event hooks from ``template`` (the app's client), not
    its transport. The caller closes it."""
    kwargs: dict[str, Any] = {}
    if template is not None:
        kwargs = {"timeout": template.timeout, "headers": template.headers,
                  "event_hooks": template.event_hooks}
    return httpx.Client(transport=GuardedTransport(TargetGuard(resolver, allow_loopback)),
                        follow_redirects=False, trust_env=False, **kwargs)
