"""What a source works with: the context of one run (store, HTTP client, settings, clock),
its counters and progress, and the ``Source`` protocol. The sources import this module;
``monitor.sources`` (the registry) imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

import httpx

from monitor.models import Notice, RawRecord
from monitor.settings import Settings
from monitor.store import Outcome, Store


@dataclass
class RunStats:
    fetched: int = 0
    new: int = 0
    updated: int = 0
    requests: int = 0
    notes: list[str] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {"fetched": self.fetched, "new": self.new, "updated": self.updated,
                "requests": self.requests}


class Progress(Protocol):
    """Where long work reports how far it got (the CLI draws a rich progress bar)."""

    def update(self, task: str, completed: int, total: int | None = None) -> None: ...


class NoProgress:
    def update(self, task: str, completed: int, total: int | None = None) -> None:
        return None


@dataclass
class PollContext:
    store: Store
    client: httpx.Client
    settings: Settings
    clock: Callable[[], datetime]
    stats: RunStats = field(default_factory=RunStats)
    sleep: Callable[[float], None] | None = None
    progress: Progress = field(default_factory=NoProgress)

    def save(self, raw: RawRecord, notice: Notice) -> Outcome:
        outcome = self.store.save_notice(raw, notice, self.clock())
        self.stats.fetched += 1
        if outcome == "new":
            self.stats.new += 1
        elif outcome == "updated":
            self.stats.updated += 1
        return outcome


class Source(Protocol):
    name: ClassVar[str]

    def poll(self, ctx: PollContext) -> None:
        """Fetch what is new since this source's cursor; save each record with ctx.save."""
