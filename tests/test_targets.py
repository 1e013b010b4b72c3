"""The one guard for Slack and webhook targets (notifications/targets.py), through the real
senders and real sockets on 127.0.0.1.

Names resolve where a test says through a stand-in for the system resolver (socket.getaddrinfo,
which both our guard and httpcore call): "public" answers are documentation-free real public
addresses that conftest's ``_loopback_only`` refuses to connect to, so a test sees where a
connection *would* have gone without ever leaving this machine.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.http import make_client
from monitor.replay import ReplayServer
from monitor.replay.sinks import HttpSink
from monitor.store import Store
from notifications import ConfigurationError, Item, Message, Target
from notifications.matching import Filters
from notifications.slack import SlackNotifier
from notifications.subscriptions import add
from notifications.targets import RefusedTarget, check_url, parse_ipv4
from notifications.webhook import WebhookNotifier

PUBLIC = "93.184.216.34"
SPELLINGS = [
    "https://2130706433/hook",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/hook",  # ... in hex
    "https://127.1/hook",  # short form
    "https://0/hook",  # 0.0.0.0
    "https://0177.0.0.1/hook",  # octal
    "https://10.1/hook",  # 10.0.0.1
    "https://2852039166/hook",  # 169.254.169.254, cloud metadata
    "https://localhost./hook",  # trailing dot
    "https://localhost/hook",
    "https://100.64.0.1/hook",  # CGNAT
    "https://[2002:7f00:1::]/hook",  # 6to4 embedding 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 embedding 169.254.169.254
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "https://[::ffff:a00:5]/hook",  # IPv4-mapped 10.0.0.5
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://127.0.0.2/hook",
    "http://127.0.0.1/hook",
]


def message() -> Message:
    item = Item(key="k1", kind="match", title="t", agency="DHS", agency_path="DHS",
                vendor="V", amount_usd=1.0, redacted_amount=False, authority="a",
                citations=[], key_dates=[], rationale=None, quote=None, notice_type=None,
                posted_date=None, source_url=None, browse_url=None, why="w")
    return Message(1, "desk", "subject", (item,))


def send(channel: str, url: str, loopback: bool = True) -> object:
    """Send through a sender built as delivery builds it, on the app's client; ``loopback``
    as in the tests and the demo (SOLESOURCE_ALLOW_LOOPBACK=1) unless told otherwise."""
    with make_client(timeout=5.0) as client:
        if channel == "slack":
            return SlackNotifier(client, allow_loopback=loopback).send(
                message(), Target("slack", url))
        return WebhookNotifier(client, allow_loopback=loopback).send(
            message(), Target("webhook", url, "s3cret"))


@dataclass
class Net:
    """Fake DNS answers per name (each a list of answers, the last repeated) and a record of
    every TCP connect attempted."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    connects: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Net:
    state = Net()
    real_getaddrinfo = socket.getaddrinfo
    guarded_connect = socket.socket.connect  # conftest's: 127.0.0.1 only

    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> list:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".") not in state.answers:
            return real_getaddrinfo(host, port, *args, **kwargs)  # type: ignore[arg-type]
        state.lookups.append(name)
        queue = state.answers[name.rstrip(".")]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        number = int(port) if port not in (None, "") else 0  # type: ignore[call-overload]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, number)) for a in answer]

    def connect(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple):
            state.connects.append((str(address[0]), int(address[1])))
        return guarded_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return state


class Listener:
    """A bare TCP server on 127.0.0.1 that keeps the first bytes of each connection (a TLS
    ClientHello carries the SNI name in the clear) and hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(4096))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("url", SPELLINGS)
@pytest.mark.parametrize("channel", ["slack", "webhook"])
def test_every_spelling_of_a_non_public_address_is_refused_before_connecting(
        channel: str, url: str, net: Net) -> None:
    with pytest.raises(RefusedTarget) as refused:
        send(channel, url, loopback=False)
    assert net.connects == []
    text = str(refused.value)
    assert "/hook" not in text and "\n" not in text  # one line; the URL's path stays secret
    with pytest.raises(ConfigurationError):
        check_url(url)  # and a subscription to it is refused when it is added


def test_subscribing_to_a_disguised_address_is_refused(store: Store) -> None:
    now = datetime(2025, 4, 30, tzinfo=UTC)
    for url in ("https://2130706433/services/T/B/X", "https://0x7f000001/x", "https://10.1/x"):
        with pytest.raises(ConfigurationError):
            add(store, now, subscriber="desk", slack=url, filters=Filters())


@pytest.mark.parametrize("channel", ["slack", "webhook"])
def test_a_name_that_resolves_to_this_machine_is_refused(channel: str, net: Net,
                                                         listener: Listener) -> None:
    net.answers["hooks.internal.test"] = [["127.0.0.1"]]
    net.answers["mixed.internal.test"] = [[PUBLIC, "10.0.0.5"]]
    for host in ("hooks.internal.test", "mixed.internal.test"):
        with pytest.raises(RefusedTarget, match="points at"):
            send(channel, f"https://{host}:{listener.port}/hook", loopback=False)
    assert net.connects == [] and listener.received == []


@pytest.mark.parametrize("channel", ["slack", "webhook"])
def test_an_unresolvable_name_is_refused_not_allowed(channel: str, net: Net) -> None:
    net.answers["nowhere.invalid"] = [[]]
    with pytest.raises(RefusedTarget, match="could not be resolved") as refused:
        send(channel, "https://nowhere.invalid/hook")
    assert net.connects == [] and not refused.value.retryable  # no such name


def test_a_failing_dns_server_is_refused_but_retryable(monkeypatch: pytest.MonkeyPatch,
                                                       net: Net) -> None:
    def failing(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", failing)
    with pytest.raises(RefusedTarget, match="could not be resolved") as refused:
        send("webhook", "https://hooks.example.org/hook")
    assert refused.value.retryable and net.connects == []


@pytest.mark.parametrize("channel", ["slack", "webhook"])
def test_rebinding_connects_to_the_address_that_was_checked(channel: str, net: Net,
                                                            listener: Listener) -> None:
    # loopback allowed (as in the tests and the demo): a second lookup answering 127.0.0.1
    # would pass any check of its own; only connecting to the first answer is safe
    net.answers["hooks.rebind.test"] = [[PUBLIC], ["127.0.0.1"]]
    result = send(channel, f"https://hooks.rebind.test:{listener.port}/hook")
    assert not result.ok and result.retryable  # type: ignore[attr-defined]
    assert net.connects == [(PUBLIC, listener.port)]
    assert net.lookups == ["hooks.rebind.test"]  # resolved once
    assert listener.received == []


def test_tls_sni_and_host_header_keep_the_name(net: Net, listener: Listener) -> None:
    net.answers["hooks.example.test"] = [["127.0.0.1"]]
    net.answers["localhost"] = [["127.0.0.1"]]
    result = send("webhook", f"https://hooks.example.test:{listener.port}/hook")
    assert not result.ok  # our listener speaks no TLS
    assert net.connects == [("127.0.0.1", listener.port)]
    assert b"hooks.example.test" in listener.received[0]  # the SNI of the ClientHello
    sink = HttpSink(secret="s3cret")
    with ReplayServer(sink) as url:
        port = int(url.rsplit(":", 1)[1])
        assert send("webhook", f"http://localhost:{port}/hook").ok  # type: ignore[attr-defined]
    assert sink.received[0]["headers"]["host"] == f"localhost:{port}"
    assert sink.received[0]["valid"]


def test_redirects_are_not_followed(net: Net) -> None:
    sink = HttpSink(default=(302, "moved", {"Location": "http://127.0.0.1:9/elsewhere"}))
    with ReplayServer(sink) as url:
        for channel in ("slack", "webhook"):
            result = send(channel, url + "/hook")
            assert not result.ok  # type: ignore[attr-defined]
    assert all(port != 9 for _, port in net.connects)


def test_loopback_allowance_is_127_0_0_1_only(net: Net) -> None:
    check_url("http://127.0.0.1:8/hook", allow_loopback=True)
    check_url("https://127.1/hook", allow_loopback=True)  # the same address, spelled short
    for url in ("http://127.0.0.2/hook", "https://[::1]/hook", "https://0/hook",
                "https://[::ffff:127.0.0.1]/hook", "http://10.0.0.1/hook"):
        with pytest.raises(RefusedTarget):
            check_url(url, allow_loopback=True)


def _spell(number: int, parts: int, styles: list[str]) -> str:
    """``number`` as an IPv4 host of 1-4 parts, each written in decimal, hex or octal."""
    values = [(number >> (8 * (3 - i))) & 0xFF for i in range(parts - 1)]
    values.append(number & ((1 << (8 * (5 - parts))) - 1))
    out = []
    for value, style in zip(values, styles, strict=False):
        out.append(hex(value) if style == "hex" else f"0{value:o}" if style == "oct"
                   else str(value))
    return ".".join(out)


@given(st.integers(0, 2**32 - 1), st.integers(1, 4),
       st.lists(st.sampled_from(["dec", "hex", "oct"]), min_size=4, max_size=4))
def test_every_ipv4_spelling_reads_as_the_resolver_reads_it(number: int, parts: int,
                                                            styles: list[str]) -> None:
    host = _spell(number, parts, styles)
    assert parse_ipv4(host) == ipaddress.IPv4Address(number)
    assert socket.inet_aton(host) == ipaddress.IPv4Address(number).packed  # the C library


@given(st.text(alphabet="0123456789abcdefxX.:[]%-_ ", max_size=40) | st.text(max_size=40))
def test_any_host_is_an_address_a_name_or_a_clear_refusal(host: str) -> None:
    for url in (f"https://{host}/hook", f"https://[{host}]/hook"):
        try:
            check_url(url, allow_loopback=False)
        except RefusedTarget as exc:
            assert "\n" not in str(exc)


def _refused(host: str) -> bool:
    try:
        check_url(f"https://{host}/x", allow_loopback=False)
    except RefusedTarget:
        return True
    return False


@given(st.integers(0, 2**32 - 1))
def test_a_numeric_host_is_refused_exactly_when_its_address_is_not_public(number: int) -> None:
    ip = ipaddress.IPv4Address(number)
    public = ip.is_global and not ip.is_multicast and ip not in ipaddress.ip_network(
        "100.64.0.0/10")
    assert _refused(str(number)) is not public
    assert _refused(f"[::ffff:{ip}]") is not public

