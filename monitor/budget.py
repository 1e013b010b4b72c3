"""A per-key daily request budget, kept in the private database so it survives restarts.

SAM.gov counts every call with a key (searches and ``noticedesc``) and resets at 00:00 UTC.
We spend from the ledger *before* each request, so a crash after sending can only
over-count, never overspend. A 429 records when the server lets us back in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.errors import BudgetExhausted
from monitor.settings import Secret
from monitor.store import Store, iso


def next_midnight_utc(now: datetime) -> datetime:
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass
class Budget:
    store: Store
    key: Secret
    daily: int
    clock: Callable[[], datetime]

    @property
    def key_id(self) -> str:
        """A short fingerprint: the ledger never holds the key itself."""
        return hashlib.sha256(self.key.reveal().encode()).hexdigest()[:12]

    def _day(self) -> str:
        return self.clock().astimezone(UTC).date().isoformat()

    def used(self) -> int:
        row = self.store.private.execute(
            "select used from quota where key_id = ? and day = ?", [self.key_id, self._day()]
        ).fetchone()
        return int(row[0]) if row else 0

    def remaining(self) -> int:
        if self.blocked_until() is not None:
            return 0
        return max(0, self.daily - self.used())

    def blocked_until(self) -> datetime | None:
        now = self.clock()
        row = self.store.private.execute(
            "select max(blocked_until) from quota where key_id = ? and blocked_until > ?",
            [self.key_id, iso(now)]).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def spend(self) -> None:
        """Take one request from today's budget, or raise BudgetExhausted."""
        now = self.clock()
        if (until := self.blocked_until()) is not None:
            raise BudgetExhausted(f"SAM.gov asked us to wait until {iso(until)}", until)
        db = self.store.private
        with db.atomic():
            db.execute("insert or ignore into quota (key_id, day, used, budget) values (?,?,0,?)",
                       [self.key_id, self._day(), self.daily])
            cur = db.execute("update quota set used = used + 1, budget = ? "
                             "where key_id = ? and day = ? and used < ?",
                             [self.daily, self.key_id, self._day(), self.daily])
        if cur.rowcount != 1:
            until = next_midnight_utc(now)
            raise BudgetExhausted(
                f"daily SAM.gov budget of {self.daily} requests is spent; resumes {iso(until)}",
                until)

    def block(self, until: datetime | None) -> None:
        """The server said 429: stop spending until ``until`` (default: next 00:00 UTC)."""
        until = until or next_midnight_utc(self.clock())
        db = self.store.private
        with db.atomic():
            db.execute("insert or ignore into quota (key_id, day, used, budget) values (?,?,0,?)",
                       [self.key_id, self._day(), self.daily])
            db.execute("update quota set blocked_until = ? where key_id = ? and day = ?",
                       [iso(until), self.key_id, self._day()])
