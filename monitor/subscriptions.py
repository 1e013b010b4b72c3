"""Subscribers and subscriptions in the private database; TOML import; unsubscribe tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as pysecrets
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.matching import Filters
from monitor.settings import Settings
from monitor.store import Store, iso
from notifications import ConfigurationError, Target, mask, validate

CADENCES = ("immediate", "daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Subscription:
    id: int
    subscriber_id: int
    subscriber: str
    email: str | None
    timezone: str
    name: str
    target: Target
    filters: Filters
    cadence: str
    hour: int
    weekday: int
    reminder_days: int | None
    state: str

    @property
    def masked(self) -> str:
        return self.target.masked


def _channel(email: str | None, slack: str | None, webhook: str | None) -> tuple[str, str]:
    given = [(c, v) for c, v in (("email", email), ("slack", slack), ("webhook", webhook)) if v]
    if len(given) != 1:
        raise ConfigurationError("give exactly one of --email, --slack or --webhook")
    return given[0]


def add(store: Store, now: datetime, *, subscriber: str, filters: Filters,
        email: str | None = None, slack: str | None = None, webhook: str | None = None,
        secret: str | None = None, cadence: str = "immediate", hour: int = 8,
        weekday: str = "mon", timezone: str = "America/New_York",
        reminder_days: int | None = None, name: str | None = None,
        owner_email: str | None = None) -> int:
    channel, address = _channel(email, slack, webhook)
    target = Target(channel, address, secret)
    validate(target)
    if cadence not in CADENCES:
        raise ConfigurationError(f"cadence must be one of {', '.join(CADENCES)}")
    if channel != "email" and cadence != "immediate":
        raise ConfigurationError("daily and weekly digests are for email; Slack and webhooks "
                                 "get each match as it happens")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"unknown time zone {timezone!r} (e.g. America/New_York)"
                                 ) from None
    if not 0 <= hour <= 23 or weekday not in WEEKDAYS:
        raise ConfigurationError("hour is 0-23 and weekday one of " + ", ".join(WEEKDAYS))
    db = store.private
    with db.atomic():
        row = db.execute("select id from subscribers where name = ?", [subscriber]).fetchone()
        if row:
            sub_id = row[0]
        else:
            sub_id = db["subscribers"].insert({
                "name": subscriber, "email": owner_email or email, "timezone": timezone,
                "created_at": iso(now)}).last_pk
        return int(db["subscriptions"].insert({
            "subscriber_id": sub_id, "name": name or filters.describe()[:80],
            "channel": channel, "target": address, "secret": secret,
            "filters": filters.to_json(), "cadence": cadence, "hour": hour,
            "weekday": WEEKDAYS.index(weekday), "reminder_days": reminder_days,
            "state": "active", "created_at": iso(now), "updated_at": iso(now)}).last_pk)


def load(store: Store, subscription_id: int | None = None, active_only: bool = False
         ) -> list[Subscription]:
    sql = ("select s.*, b.name as subscriber, b.email as email, b.timezone as timezone "
           "from subscriptions s join subscribers b on b.id = s.subscriber_id")
    where, args = [], []
    if subscription_id is not None:
        where.append("s.id = ?")
        args.append(subscription_id)
    if active_only:
        where.append("s.state = 'active'")
    if where:
        sql += " where " + " and ".join(where)
    cursor = store.private.execute(sql + " order by s.id", args)
    cols = [c[0] for c in cursor.description]
    out = []
    for values in cursor.fetchall():
        r = dict(zip(cols, values, strict=True))
        out.append(Subscription(
            id=r["id"], subscriber_id=r["subscriber_id"], subscriber=r["subscriber"],
            email=r["email"], timezone=r["timezone"] or "UTC", name=r["name"],
            target=Target(r["channel"], r["target"], r["secret"]),
            filters=Filters.from_dict(json.loads(r["filters"] or "{}")), cadence=r["cadence"],
            hour=r["hour"] or 0, weekday=r["weekday"] or 0, reminder_days=r["reminder_days"],
            state=r["state"]))
    return out


def remove(store: Store, subscription_id: int, now: datetime, reason: str = "removed") -> bool:
    with store.private.atomic():
        cur = store.private.execute(
            "update subscriptions set state = 'unsubscribed', disabled_reason = ?, "
            "updated_at = ? where id = ? and state != 'unsubscribed'",
            [reason, iso(now), subscription_id])
        store.private.execute("update outbox set state = 'cancelled' where subscription_id = ? "
                              "and state in ('pending', 'sending')", [subscription_id])
    return cur.rowcount == 1


def disable(store: Store, subscription_id: int, reason: str, now: datetime) -> None:
    store.private.execute("update subscriptions set state = 'disabled', disabled_reason = ?, "
                          "updated_at = ? where id = ?", [reason, iso(now), subscription_id])


def import_toml(store: Store, path: Path, now: datetime) -> list[int]:
    """``[[subscription]]`` tables with subscriber, one channel, filters and cadence."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    ids = []
    for i, entry in enumerate(data.get("subscription", []), 1):
        entry = dict(entry)
        try:
            filters = Filters.from_dict(entry.pop("filters", {}))
            ids.append(add(store, now, filters=filters, **entry))
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"{path} subscription #{i}: {exc}") from None
    return ids


def signing_key(store: Store, settings: Settings) -> bytes:
    """The key that signs unsubscribe links: configured, or generated once and kept private."""
    if settings.secret_key:
        return settings.secret_key.reveal().encode()
    db = store.private
    row = db.execute("select value from secrets where name = 'unsubscribe'").fetchone()
    if row:
        return str(row[0]).encode()
    value = pysecrets.token_hex(32)
    db.execute("insert or ignore into secrets (name, value, created_at) values "
               "('unsubscribe', ?, datetime('now'))", [value])
    return str(db.execute("select value from secrets where name = 'unsubscribe'"
                          ).fetchone()[0]).encode()


def unsubscribe_token(key: bytes, subscription_id: int) -> str:
    return hmac.new(key, f"unsubscribe:{subscription_id}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(settings: Settings, key: bytes, subscription_id: int) -> str:
    token = unsubscribe_token(key, subscription_id)
    return f"{settings.public_url.rstrip('/')}/-/unsubscribe?s={subscription_id}&t={token}"


def check_token(key: bytes, subscription_id: int, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(key, subscription_id), token)


def unsubscribe_with_token(store: Store, settings: Settings, subscription_id: int, token: str,
                           now: datetime) -> bool | None:
    """The signed one-click unsubscribe: None if the token is not valid for this
    subscription, else whether it was active until now (a replay changes nothing)."""
    if not check_token(signing_key(store, settings), subscription_id, token):
        return None
    return remove(store, subscription_id, now, reason="unsubscribed by link")


def describe(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "subscriber": sub.subscriber, "channel": sub.target.channel,
            "target": mask(sub.target.channel, sub.target.address), "cadence": sub.cadence,
            "filters": sub.filters.describe(), "state": sub.state,
            "reminder_days": sub.reminder_days}
