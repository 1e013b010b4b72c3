"""Shared fixtures: the replay server (in-process and on 127.0.0.1), settings, a store.

No test reaches beyond 127.0.0.1: ``_loopback_only`` refuses any other connection.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from monitor.replay import Dataset, ReplayApp, ReplayServer
from monitor.settings import Secret, Settings
from monitor.store import Store

# CI runs one fixed set of generated examples, so a landing cannot fail on an example found
# by chance; a developer's run explores new ones (and the database keeps what failed).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "api" / "samples"
KEY = "TEST-KEY-0123456789abcdef"


def missing(reason: str) -> NoReturn:
    """Skip a test whose prerequisite is absent — except under CI=true, where it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run must provide it)")
    pytest.skip(reason)


def shared_sample(name: str) -> Path:
    """A recorded API response from ``../shared/api/samples``."""
    path = SAMPLES / name
    if not path.exists():
        missing(f"{path} is missing: clone the shared folder beside the project to run this")
    return path


@pytest.fixture(autouse=True)
def _loopback_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Slack-like, webhook and SMTP sinks of the tests live on 127.0.0.1: the CLI run as
    a subprocess reads this (monitor.settings); in-process code is given allow_loopback."""
    monkeypatch.setenv("SOLESOURCE_ALLOW_LOOPBACK", "1")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple):
            host = str(address[0])
            try:
                ok = ipaddress.ip_address(host).is_loopback
            except ValueError:
                ok = host == "localhost"
            if not ok:
                raise ConnectionRefusedError(f"test tried to reach {host}: only 127.0.0.1 allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


class Clock:
    """A settable clock shared by the client and the replay server."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 4, 30, 14, 0, tzinfo=UTC))


def make_settings(data_dir: Path, base_url: str, **sam: object) -> Settings:
    s = Settings(data_dir=data_dir, retry_backoff=0.0, http_timeout=5.0, allow_loopback=True)
    sam_values = {"api_key": Secret(KEY), "api_base": base_url, "web_base": base_url,
                  "daily_budget": 1000, "lookback_days": 30} | sam
    return replace(s, sam=replace(s.sam, **sam_values),
                   federal_register=replace(s.federal_register, base=base_url, lookback_days=30))


@pytest.fixture
def demo_app(clock: Clock) -> ReplayApp:
    return ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 1000})


@pytest.fixture
def served(demo_app: ReplayApp) -> Iterator[str]:
    with ReplayServer(demo_app) as url:
        yield url


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    def build(base_url: str, **sam: object) -> Settings:
        return make_settings(tmp_path / "data", base_url, **sam)

    return build


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "pub.db", tmp_path / "priv.db")
    yield s
    s.close()


def wsgi(app: ReplayApp) -> httpx.WSGITransport:
    return httpx.WSGITransport(app=app)
