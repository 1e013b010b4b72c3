"""A faithful local stand-in for SAM.gov, its data-extract CSV host and the Federal Register.

It replays recorded responses and behaves like the real APIs (paging, quotas, 429/5xx,
redirects to signed URLs, slow/hanging/truncated bodies) on 127.0.0.1. ``make demo`` polls
it; the tests drive the real client against it. It is a separate program: no production
code path knows it exists. See ``../shared/api/fake-server-spec.md`` for what it mimics.
"""

from monitor.replay.app import ReplayApp
from monitor.replay.data import Dataset
from monitor.replay.server import ReplayServer
from monitor.replay.wsgi import Fault

__all__ = ["Dataset", "Fault", "ReplayApp", "ReplayServer"]
