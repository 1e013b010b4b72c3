"""Work the outbox: batch, send, record every attempt, retry with backoff for about two days,
then dead-letter, disable the endpoint and tell its owner.

Crash safety: a batch's rows and its message key are claimed in one transaction *before*
sending ("sending"), and marked "sent" after. A run that dies in between re-sends exactly
that batch with the same Message-ID / Idempotency-Key, so a receiver can tell; nothing is
ever dropped.

Claims name their owner (``host:pid:start``, see notifications.claims) and hold a lease. A run takes
over the claims of a process that is gone, or whose lease ran out, and never touches those
of a live one; before each send it renews its own claim and skips a batch that is no longer
its own. (The data folder's lock already keeps a second deliverer out; this holds even
without it.)
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from extractors import plain_words
from notifications.base import Target, mask
from notifications.claims import owner_alive, owner_id
from notifications.config import DeliveryConfig
from notifications.email import EmailNotifier
from notifications.matching import EVENTS
from notifications.slack import SlackNotifier
from notifications.storage import Databases, iso
from notifications.subscriptions import (
    Subscription,
    disable,
    load,
    signing_key,
    unsubscribe_url,
)
from notifications.types import ConfigurationError, DeliveryResult, Item, Message, batch_key
from notifications.webhook import WebhookNotifier

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=2)
CLAIM_LEASE = timedelta(hours=1)  # renewed before each send
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
DATE_LABELS = {"response_due": "Responses due", "prototype_due": "Prototype due",
               "delivery": "Delivery", "award": "Award", "pop_start": "Performance starts",
               "pop_end": "Performance ends", "contract_expiration": "Contract expires"}


@dataclass
class DeliverStats:
    """What one ``deliver`` did, in outbox rows (``messages``: the keys of messages sent)."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    messages: list[str] = field(default_factory=list)


def notifiers(config: DeliveryConfig, client: httpx.Client) -> dict[str, Any]:
    """The built-in channels, ready to send: channel name -> notifier.

    :param config: SMTP settings for email; whether 127.0.0.1 targets are allowed
    :param client: the HTTP client whose timeout, headers and hooks Slack and webhook posts
      borrow (each post still goes through the target guard); the caller closes it
    """
    loopback = config.allow_loopback
    return {"email": EmailNotifier(config.smtp),
            "slack": SlackNotifier(client, allow_loopback=loopback),
            "webhook": WebhookNotifier(client, allow_loopback=loopback)}


def backoff(attempts: int, rng: random.Random, retry_after: float | None = None) -> timedelta:
    """How long to wait before retrying a failed batch: one minute doubled per attempt, at
    most six hours, times a random factor between 0.5 and 1.5; never less than the receiver's
    ``Retry-After`` (seconds) when it gave one.

    :param attempts: how many attempts failed so far (1 after the first)
    :param rng: the source of jitter (seeded in tests)
    """
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1)) * rng.uniform(0.5, 1.5)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def deliver(store: Databases, config: DeliveryConfig, now: datetime, *,
            channels: dict[str, Any] | None = None, rng: random.Random | None = None,
            client: httpx.Client | None = None,
            on_sent: Callable[[Message, Target, DeliveryResult], None] | None = None
            ) -> DeliverStats:
    """Send every outbox batch that is due: one message per batch (an email digest holds
    all of a subscription's due rows; Slack and webhooks get one row each), and record the
    attempt.

    Safe to kill at any point: a batch is claimed ("sending", with its message key and this
    process as owner) in one transaction before anything is sent, and marked "sent" after.
    A run that dies in between leaves the claim; the next run takes it over (its owner is
    gone) and sends the same message again with the same Message-ID / Idempotency-Key, so
    a receiver can tell. Nothing is dropped, and nothing is sent twice except after such a
    crash. Claims of a live process are left alone. Not otherwise idempotent: a second
    call sends what became due since the first.

    A failed send is retried with ``backoff`` for about two days (``GIVE_UP_AFTER``), then
    dead-lettered and the subscription disabled. A failure that cannot pass (not
    retryable) is dead-lettered at once; when it says the endpoint is gone (a 404 or 410, a
    gone Slack channel, a refused target) the subscription is disabled too. The owner of a
    disabled Slack or webhook subscription is told by email. One subscription's failure
    never stops the others.

    :param store: the private database (``outbox``, ``subscriptions``, ``deliveries``,
      ``secrets``: read and written) and the public one (``notices``, ``extractions``: read,
      to build the messages)
    :param config: public URL, unsubscribe signing key, SMTP, HTTP client, loopback
    :param now: the pipeline's clock: what is due, and the times recorded
    :param channels: channel name -> notifier, instead of ``notifiers(config, client)``
    :param rng: jitter for the backoff (seeded in tests)
    :param client: the HTTP client for Slack and webhooks; made with
      ``config.open_client()`` and closed here when not given
    :param on_sent: called with each message sent, its target and the result
    :return: counts of rows sent, failed (will retry), dead and skipped
    """
    rng = rng or random.Random()
    own = client is None
    client = client or config.open_client()
    channels = channels or notifiers(config, client)
    stats = DeliverStats()
    key = signing_key(store, config)
    owner = owner_id()
    try:
        _claim(store, now, owner)
        subs = {s.id: s for s in load(store)}
        disabled: dict[int, str] = {}  # subscriptions given up on during this run
        for _key, rows in _batches(store, owner):
            if not _renew(store, rows, owner):
                log.warning("outbox rows %s were taken over by another process; not sending",
                            [r["id"] for r in rows])
                continue
            sub = subs.get(rows[0]["subscription_id"])
            if sub is not None and sub.id in disabled:
                _dead(store, rows, disabled[sub.id], stats)
                continue
            if sub is None or sub.state != "active":
                _mark(store, rows, "cancelled", now)
                continue
            rows = _drop_stale_reminders(store, rows, now, stats)
            if not rows:
                continue
            message, result = _attempt(store, config, sub, rows, channels,
                                       unsubscribe_url(config, key, sub.id))
            why = _record(store, sub, batch_key(sub.id, [r["key"] for r in rows]), rows,
                          result, now, rng, stats, channels)
            if why is not None:
                disabled[sub.id] = f"subscription disabled: {why}"
            if result.ok and on_sent and message is not None:
                on_sent(message, sub.target, result)
    finally:
        if own:
            client.close()
    return stats


def _attempt(store: Databases, config: DeliveryConfig, sub: Subscription,
             rows: list[dict[str, Any]], channels: dict[str, Any], unsubscribe: str
             ) -> tuple[Message | None, DeliveryResult]:
    """Build one batch's message and send it; never raises for one subscription's sake.

    Takes the claimed outbox rows of one batch; returns the message (None if it could not be
    built) and the result. A channel that refuses its target (``ConfigurationError``: a
    private address, a missing secret, an unknown channel) gives a permanent failure that
    disables the subscription; any other exception from building or sending gives a
    retryable failure, so one bad subscription or a bug in one channel plugin cannot stop
    the deliveries behind it.
    """
    target = sub.target
    message = None
    try:
        message = _message(store, config, sub, rows, unsubscribe)
        channel = channels.get(target.channel)
        if channel is None:
            raise ConfigurationError(f"no notifier for channel {target.channel!r} is installed")
        return message, channel.send(message, target)
    except ConfigurationError as exc:
        log.error("subscription %d: %s refused: %s", sub.id, target.masked, exc)
        return message, DeliveryResult(target.masked, False, retryable=False, disable=True,
                                       error=f"refused: {exc}")
    except Exception as exc:  # a bug in one channel or one row must not stop the others
        log.error("subscription %d: sending to %s failed: %s: %s", sub.id, target.masked,
                  type(exc).__name__, exc)
        log.debug("sending failed", exc_info=True)
        return message, DeliveryResult(target.masked, False, retryable=True,
                                       error=f"{type(exc).__name__}: {exc}")


def _lease() -> str:
    """When a claim made now runs out (wall-clock time, whatever the pipeline's clock)."""
    return iso(datetime.now(UTC) + CLAIM_LEASE)


def _take_over(store: Databases, owner: str) -> int:
    """Claim the 'sending' rows left by a process that is gone (or whose lease ran out, or
    that predates owned claims); leave those of a live process alone. Returns how many."""
    db = store.private
    wall = iso(datetime.now(UTC))
    held = [r[0] for r in db.execute(
        "select distinct claimed_by from outbox where state = 'sending' and claimed_by "
        "is not null and claim_expires > ?", [wall]).fetchall()]
    live = [o for o in held if o != owner and owner_alive(o)]
    cur = db.execute(
        "update outbox set claimed_by = ?, claim_expires = ? where state = 'sending' and "
        f"(claimed_by is null or claim_expires is null or claim_expires <= ? or claimed_by "
        f"not in ({','.join('?' * len(live))}))", [owner, _lease(), wall, *live])
    if live:
        log.warning("leaving %s's claimed outbox rows alone: that process is still running",
                    ", ".join(live))
    return cur.rowcount


def _renew(store: Databases, rows: list[dict[str, Any]], owner: str) -> bool:
    """Extend this process's claim on a batch just before sending it; False if any row of
    it is no longer claimed by this process (then it must not be sent)."""
    ids = [r["id"] for r in rows]
    cur = store.private.execute(
        f"update outbox set claim_expires = ? where state = 'sending' and claimed_by = ? and "
        f"id in ({','.join('?' * len(ids))})", [_lease(), owner, *ids])
    return cur.rowcount == len(ids)


def _claim(store: Databases, now: datetime, owner: str) -> None:
    """Take over abandoned claims; group due pending rows into batches and fix each batch's
    key and owner before any send."""
    db = store.private
    with db.atomic():
        _take_over(store, owner)
        rows = list(db.execute(
            "select o.id, o.subscription_id, o.key, s.channel from outbox o join subscriptions s"
            " on s.id = o.subscription_id where o.state = 'pending' and o.due_at <= ? and "
            "(o.next_attempt_at is null or o.next_attempt_at <= ?) order by o.id",
            [iso(now), iso(now)]).fetchall())
        groups: dict[Any, list[tuple[int, str]]] = {}
        for row_id, sub_id, key, channel in rows:
            group = sub_id if channel == "email" else (sub_id, row_id)
            groups.setdefault(group, []).append((row_id, key))
        for members in groups.values():
            sub_id = rows[[r[0] for r in rows].index(members[0][0])][1]
            message_key = batch_key(sub_id, [k for _, k in members])
            db.execute(f"update outbox set state = 'sending', message_key = ?, claimed_by = ?,"
                       f" claim_expires = ? where id in ({','.join('?' * len(members))})",
                       [message_key, owner, _lease(), *[m[0] for m in members]])


def _batches(store: Databases, owner: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """This process's claimed rows, grouped by message key."""
    cursor = store.private.execute(
        "select * from outbox where state = 'sending' and claimed_by = ? "
        "order by message_key, id", [owner])
    cols = [c[0] for c in cursor.description]
    batches: dict[str, list[dict[str, Any]]] = {}
    for values in cursor.fetchall():
        row = dict(zip(cols, values, strict=True))
        batches.setdefault(row["message_key"], []).append(row)
    return list(batches.items())


def _drop_stale_reminders(store: Databases, rows: list[dict[str, Any]], now: datetime,
                          stats: DeliverStats) -> list[dict[str, Any]]:
    keep = []
    for row in rows:
        if row["kind"] == "reminder":
            notice = _notice(store, row["notice_id"])
            due = (notice or {}).get("response_due")
            withdrawn = notice is None or notice.get("active") == 0
            if withdrawn or not due or due < now.date().isoformat():
                _mark(store, [row], "skipped", now)
                stats.skipped += 1
                continue
        keep.append(row)
    if len(keep) != len(rows) and keep:
        # the batch changed: give it the key of what will really be sent
        new_key = batch_key(keep[0]["subscription_id"], [r["key"] for r in keep])
        store.private.execute(f"update outbox set message_key = ? where id in "
                              f"({','.join('?' * len(keep))})",
                              [new_key, *[r["id"] for r in keep]])
    return keep


def _notice(store: Databases, notice_id: str) -> dict[str, Any] | None:
    rows = list(store.public["notices"].rows_where("id = ?", [notice_id]))
    return rows[0] if rows else None


def _item(store: Databases, config: DeliveryConfig, row: dict[str, Any]) -> Item:
    n = _notice(store, row["notice_id"]) or {"id": row["notice_id"]}
    ex = store.public.execute(
        "select result from extractions where notice_id = ? and notice_version = ? "
        "order by attachment_id is null, id", [n["id"], n.get("version")]).fetchall()
    results = [json.loads(r[0]) for r in ex]
    primary = next((r for r in results if r.get("vendors") or r.get("amount")), None) or (
        results[0] if results else {})
    dates = [(DATE_LABELS[d["type"]], d["date"]) for d in primary.get("dates") or []
             if d["type"] in DATE_LABELS]
    quote = None
    for key in ("amount", "authority"):
        ev = (primary.get(key) or {}).get("evidence")
        if ev:
            quote = " ".join(ev["quote"].split())
            break
    if not quote and primary.get("vendors"):
        quote = " ".join(primary["vendors"][0]["evidence"]["quote"].split())
    citations = json.loads(n.get("authority_citations") or "[]")
    base = config.public_url.rstrip("/")
    return Item(
        key=row["key"], kind=row["kind"], title=n.get("title") or n["id"],
        agency=(n.get("agency_hierarchy") or "").split(" > ")[-1] or (
            n.get("agency_path") or "").split(".")[-1],
        agency_path=n.get("agency_hierarchy") or n.get("agency_path") or "",
        vendor=n.get("vendor"), amount_usd=n.get("amount_usd"),
        redacted_amount=bool(n.get("redacted_amount")),
        authority=plain_words(n.get("authority_category")), citations=citations,
        key_dates=dates, rationale=n.get("rationale"), quote=quote,
        notice_type=n.get("notice_type"), posted_date=n.get("posted_date"),
        source_url=n.get("url"),
        browse_url=base + config.notice_path(n["id"]) if config.notice_path else None,
        why=row["reason"] or "", change=row["change"], response_due=n.get("response_due"),
        **_event(row))


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """An award event's words, tier and source, from the fact its outbox row holds."""
    if row["kind"] != "award":
        return {}
    fact = json.loads(row["snapshot"] or "{}")
    return {"event": EVENTS.get(fact.get("flag") or "", fact.get("flag")),
            "event_code": fact.get("flag"),
            "fact_tier": fact.get("tier"), "fact_rule": fact.get("rule"),
            "fact_source": fact.get("source_label"), "fact_url": fact.get("source_url")}


def _message(store: Databases, config: DeliveryConfig, sub: Subscription,
             rows: list[dict[str, Any]], unsubscribe: str) -> Message:
    items = tuple(_item(store, config, r) for r in rows)
    if len(items) == 1:
        i = items[0]
        prefix = {"update": "Updated: ", "reminder": "Deadline reminder: "}.get(i.kind, "")
        subject = f"{prefix}{i.agency}: {i.vendor or 'sole source'} — {i.amount_text}"
        if i.kind == "award":
            subject = f"Award alert: {i.agency}: {i.vendor or 'sole source'} — {i.event}"
    else:
        subject = f"{len(items)} sole-source justifications ({sub.cadence} digest)"
    return Message(subscription_id=sub.id, subscriber=sub.subscriber, subject=subject[:200],
                   items=items, unsubscribe_url=unsubscribe)


def _mark(store: Databases, rows: list[dict[str, Any]], state: str, now: datetime) -> None:
    ids = [r["id"] for r in rows]
    store.private.execute(f"update outbox set state = ?, sent_at = ? where id in "
                          f"({','.join('?' * len(ids))})", [state, iso(now), *ids])


def _record(store: Databases, sub: Subscription, message_key: str, rows: list[dict[str, Any]],
            result: DeliveryResult, now: datetime, rng: random.Random, stats: DeliverStats,
            channels: dict[str, Any]) -> str | None:
    """Write one attempt: sent, retry later, or dead (then maybe disable and tell the owner).

    Returns why the subscription was disabled, if this attempt disabled it; else None.
    """
    db = store.private
    with db.atomic():
        db["deliveries"].insert({
            "subscription_id": sub.id, "message_key": message_key,
            "outbox_ids": json.dumps([r["id"] for r in rows]), "attempted_at": iso(now),
            "ok": int(result.ok), "status": result.status, "error": result.error,
            "target": result.target})
        if result.ok:
            _mark(store, rows, "sent", now)
            stats.sent += len(rows)
            stats.messages.append(message_key)
            return None
        first = min((r["first_attempt_at"] or iso(now)) for r in rows)
        attempts = max(r["attempts"] or 0 for r in rows) + 1
        expired = now - datetime.fromisoformat(first) >= GIVE_UP_AFTER
        if result.retryable and not expired:
            retry_at = now + backoff(attempts, rng, result.retry_after)
            db.execute(f"update outbox set state = 'pending', attempts = ?, first_attempt_at = ?,"
                       f" next_attempt_at = ?, last_error = ? where id in "
                       f"({','.join('?' * len(rows))})",
                       [attempts, first, iso(retry_at), result.error, *[r["id"] for r in rows]])
            stats.failed += len(rows)
            log.warning("delivery to %s failed (%s); retry at %s", result.target,
                        result.error, iso(retry_at))
            return None
        db.execute(f"update outbox set state = 'dead', attempts = ?, first_attempt_at = ?, "
                   f"last_error = ? where id in ({','.join('?' * len(rows))})",
                   [attempts, first, result.error, *[r["id"] for r in rows]])
        stats.dead += len(rows)
        why = _why_disabled(result) if result.disable or expired else None
        if why is not None:
            disable(store, sub.id, why, now)
    log.error("delivery to %s gave up: %s", result.target, result.error)
    if why is not None and sub.email and sub.target.channel != "email":
        _tell_owner(sub, why, channels, now)
    return why


def _dead(store: Databases, rows: list[dict[str, Any]], why: str, stats: DeliverStats) -> None:
    """Dead-letter the rest of a subscription disabled earlier in this run, unsent."""
    ids = [r["id"] for r in rows]
    store.private.execute(f"update outbox set state = 'dead', last_error = ? where id in "
                          f"({','.join('?' * len(ids))})", [why, *ids])
    stats.dead += len(rows)


def _why_disabled(result: DeliveryResult) -> str:
    """The reason kept on a disabled subscription and told to its owner."""
    if not result.disable:
        return f"undeliverable for two days: {result.error}"
    if result.status is None:
        return f"{result.target}: {result.error}"
    return f"{result.target} answered {result.status} {result.error or ''}".strip()


def _tell_owner(sub: Subscription, why: str, channels: dict[str, Any], now: datetime) -> None:
    item = Item(key=f"disabled:{sub.id}:{iso(now)}", kind="notice",
                title=f"Your solesource subscription #{sub.id} was paused", agency="solesource",
                agency_path="", vendor=None, amount_usd=None, redacted_amount=False,
                authority="", citations=[], key_dates=[], rationale=why, quote=None,
                notice_type=None, posted_date=None, source_url=None, browse_url=None,
                why="the endpoint stopped accepting messages")
    message = Message(subscription_id=sub.id, subscriber=sub.subscriber,
                      subject=f"solesource: subscription #{sub.id} paused", items=(item,))
    try:
        result = channels["email"].send(message, Target("email", sub.email))
    except Exception as exc:  # telling the owner is best effort; the row is already dead
        result = DeliveryResult(mask("email", sub.email), False, error=f"{exc}")
    if not result.ok:
        log.warning("could not tell %s that subscription %d was paused: %s", sub.subscriber,
                    sub.id, result.error)
