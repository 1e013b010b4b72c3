"""What the notification stages need from the caller's store: two sqlite-utils databases.

``notifications`` never opens a database itself. Its stages take any object with a
``public`` Database (notices and extractions, which they only read) and a ``private``
Database (subscribers, subscriptions, outbox, matched, sent_state, deliveries, secrets:
the tables these modules own: every query and update of them is here, in notifications).
``monitor.store.Store`` is one. The tables themselves are created by the migrations in
``monitor/schema.py``, one ordered list per database file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlite_utils import Database


class Databases(Protocol):
    """The public and private databases of one data folder."""

    @property
    def public(self) -> Database: ...

    @property
    def private(self) -> Database: ...


def iso(dt: datetime) -> str:
    """``dt`` as the UTC ISO 8601 text every stored timestamp uses (seconds, ``+00:00``)."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")
