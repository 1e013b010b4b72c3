"""Match new notice versions against subscriptions, into the outbox.

Every outbox row has a unique key per (subscription, justification family, material state),
so a re-run after a crash adds nothing, and an amendment notifies again only when the vendor,
amount, authority or deadline changed — saying what changed. Deadline reminders are their own
rows, due N days before the response deadline. What happens after posting — a fact with a
``flag`` in ``award_facts`` (obligations passed the justified amount, the justification was
posted late, the award record and the document disagree) — is matched once per fact, for
the subscriptions that ask for that event (``Filters.events``): an "award" row each.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from notifications.matching import EVENTS, change_note, match, snapshot
from notifications.storage import Databases, iso
from notifications.subscriptions import Subscription, load

log = logging.getLogger(__name__)


@dataclass
class MatchStats:
    """What one ``match_new`` did: notice versions read, messages and reminders queued."""

    notices: int = 0
    queued: int = 0
    reminders: int = 0
    events: int = 0  # award events queued


def next_slot(sub: Subscription, now: datetime) -> datetime:
    """When a digest holding an item found at ``now`` goes out.

    :param sub: the subscription; its cadence, hour, weekday and time zone decide
    :param now: when the item was found (aware)
    :return: ``now`` for an immediate subscription; else the next ``hour`` o'clock (daily)
      or the next ``weekday`` at that hour (weekly) in the subscriber's zone, in UTC, always
      after ``now``
    """
    if sub.cadence == "immediate":
        return now
    zone = ZoneInfo(sub.timezone)
    local = now.astimezone(zone)
    slot = datetime.combine(local.date(), time(sub.hour), zone)
    if slot <= local:
        slot += timedelta(days=1)
    if sub.cadence == "weekly":
        while slot.weekday() != sub.weekday:
            slot += timedelta(days=1)
    return slot.astimezone(UTC)


def _pending_notices(store: Databases) -> list[dict[str, Any]]:
    matched = {(r[0], r[1]) for r in store.private.execute(
        "select notice_id, version from matched").fetchall()}
    rows = store.public["notices"].rows_where("extraction_state = 'done'",
                                              order_by="posted_date, id")
    return [r for r in rows if (r["id"], r["version"]) not in matched]


def match_new(store: Databases, now: datetime) -> MatchStats:
    """Match every extracted notice version not matched yet against the active
    subscriptions, queueing outbox rows (and deadline reminders) for the ones that match.

    Idempotent and safe to kill: each notice version is matched in one private-database
    transaction that also records it in ``matched``, and every outbox row has a unique key
    per (subscription, justification family, material state), so a re-run after a crash
    queues nothing twice. An amendment queues an "update" only when its ``snapshot``
    changed.

    :param store: the public database (read: ``notices``) and the private one (written:
      ``outbox``, ``sent_state``, ``matched``)
    :param now: the pipeline's clock; due times are computed from it
    :return: counts of what was read and queued
    """
    stats = MatchStats()
    subs = load(store, active_only=True)
    for notice in _pending_notices(store):
        with store.private.atomic():
            for sub in subs:
                reason = match(sub.filters, notice)
                if reason:
                    stats.queued += _queue(store, sub, notice, reason, now)
                    stats.reminders += _reminder(store, sub, notice, reason, now)
            store.private["matched"].insert({"notice_id": notice["id"],
                                             "version": notice["version"],
                                             "matched_at": iso(now)}, ignore=True)
        stats.notices += 1
    stats.events = match_events(store, now, subs)
    return stats


def _pending_events(store: Databases) -> list[dict[str, Any]]:
    matched = {r[0] for r in store.private.execute("select fact_id from matched_events")}
    cursor = store.public.execute(
        "select f.*, n.family_key from award_facts f join notices n on n.id = f.notice_id "
        "where f.flag is not null order by f.computed_at, f.id")
    cols = [c[0] for c in cursor.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]
    return [r for r in rows if r["id"] not in matched]


def match_events(store: Databases, now: datetime,
                 subs: list[Subscription] | None = None) -> int:
    """Queue an "award" outbox row for each flagged fact not matched yet, for every active
    subscription that asks for its event (``Filters.events``) and whose filters match the
    justification it is about.

    Idempotent and safe to kill: each fact is matched in one private-database transaction
    that also records it in ``matched_events``, and the row's key is per (subscription,
    justification family, event), so a subscriber hears of an event once, however often
    the facts are restated.

    :return: how many outbox rows were queued
    """
    subs = load(store, active_only=True) if subs is None else subs
    wanting = [s for s in subs if s.filters.events]
    queued = 0
    for fact in _pending_events(store):
        notice = next(store.public["notices"].rows_where("id = ?", [fact["notice_id"]]), None)
        with store.private.atomic():
            for sub in wanting:
                reason = match(sub.filters, notice) if notice else None
                if fact["flag"] in sub.filters.events and reason:
                    queued += _queue_event(store, sub, fact, reason, now)
            store.private["matched_events"].insert(
                {"fact_id": fact["id"], "flag": fact["flag"], "matched_at": iso(now)},
                ignore=True)
    return queued


def _queue_event(store: Databases, sub: Subscription, fact: dict[str, Any], reason: str,
                 now: datetime) -> int:
    family = fact.get("family_key") or fact["notice_id"]
    snap = {k: fact.get(k) for k in ("flag", "kind", "tier", "statement", "rule", "award_id",
                                     "source_label", "source_url", "fetched_at")}
    cur = store.private.execute(
        "insert or ignore into outbox (key, subscription_id, notice_id, family, kind, reason, "
        "change, snapshot, due_at, state, attempts, created_at) "
        "values (?,?,?,?, 'award', ?, ?, ?, ?, 'pending', 0, ?)",
        [f"{sub.id}:{family}:award:{fact['flag']}", sub.id, fact["notice_id"], family,
         f"{EVENTS[fact['flag']]}; {reason}", fact["statement"], json.dumps(snap),
         iso(next_slot(sub, now)), iso(now)])
    return cur.rowcount


def _queue(store: Databases, sub: Subscription, notice: dict[str, Any], reason: str,
           now: datetime) -> int:
    family = notice.get("family_key") or notice["id"]
    snap = snapshot(notice)
    db = store.private
    row = db.execute("select snapshot from sent_state where subscription_id = ? and family = ?",
                     [sub.id, family]).fetchone()
    before = json.loads(row[0]) if row else None
    if before == snap:
        return 0  # an amendment that changed nothing material
    kind = "match" if before is None else "update"
    digest = hashlib.sha256(json.dumps(snap, sort_keys=True).encode()).hexdigest()[:16]
    key = f"{sub.id}:{family}:{digest}"
    cur = db.execute(
        "insert or ignore into outbox (key, subscription_id, notice_id, family, kind, reason, "
        "change, snapshot, due_at, state, attempts, created_at) "
        "values (?,?,?,?,?,?,?,?,?, 'pending', 0, ?)",
        [key, sub.id, notice["id"], family, kind, reason,
         change_note(before, snap) if before else None, json.dumps(snap),
         iso(next_slot(sub, now)), iso(now)])
    db.execute("insert into sent_state (subscription_id, family, snapshot, updated_at) "
               "values (?,?,?,?) on conflict(subscription_id, family) do update set "
               "snapshot = excluded.snapshot, updated_at = excluded.updated_at",
               [sub.id, family, json.dumps(snap), iso(now)])
    return cur.rowcount


def _reminder(store: Databases, sub: Subscription, notice: dict[str, Any], reason: str,
              now: datetime) -> int:
    due = notice.get("response_due")
    if not sub.reminder_days or not due or len(due) != 10:
        return 0
    deadline = date.fromisoformat(due)
    when = datetime.combine(deadline - timedelta(days=sub.reminder_days), time(sub.hour),
                            ZoneInfo(sub.timezone)).astimezone(UTC)
    if deadline < now.astimezone(ZoneInfo(sub.timezone)).date():
        return 0
    key = f"{sub.id}:{notice['id']}:reminder:{due}"
    cur = store.private.execute(
        "insert or ignore into outbox (key, subscription_id, notice_id, family, kind, reason, "
        "snapshot, due_at, state, attempts, created_at) "
        "values (?,?,?,?, 'reminder', ?, ?, ?, 'pending', 0, ?)",
        [key, sub.id, notice["id"], notice.get("family_key") or notice["id"], reason,
         json.dumps(snapshot(notice)), iso(max(when, now)), iso(now)])
    return cur.rowcount


def states(store: Databases) -> dict[str, int]:
    """How many outbox rows are in each state (pending, sending, sent, dead, cancelled,
    skipped); a state with no row is absent. Read-only."""
    return dict(store.private.execute(
        "select state, count(*) from outbox group by state").fetchall())


def dead_letters(store: Databases, limit: int = 10) -> list[dict[str, Any]]:
    """The newest ``limit`` dead-lettered outbox rows, newest first, each as ``id``,
    ``subscription_id``, ``kind`` and ``last_error``. Read-only."""
    return [dict(zip(("id", "subscription_id", "kind", "last_error"), r, strict=True))
            for r in store.private.execute(
                "select id, subscription_id, kind, last_error from outbox "
                "where state = 'dead' order by id desc limit ?", [limit]).fetchall()]
