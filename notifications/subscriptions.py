"""Subscribers and subscriptions in the private database; TOML import; unsubscribe tokens."""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
import math
import re
import secrets as pysecrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from extractors import AGENCY_TABLE, AUTHORITY_WORDS, DOC_KIND_WORDS, normalize_agency
from notifications.base import Target, mask, validate
from notifications.config import DeliveryConfig
from notifications.matching import EVENTS, NOTIFY_CLASSES, Filters
from notifications.storage import Databases, iso
from notifications.types import ConfigurationError, short_repr

_cut = partial(short_repr, limit=40)  # a bad value quoted in an error line

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


# The keys of a subscription, as `subscribe import` spells them in TOML; the CLI options
# are the same words with dashes (--min-amount). One list for both, so they cannot drift.
KEYS = ("subscriber", "email", "slack", "webhook", "secret", "owner_email", "agency", "vendor",
        "min_amount", "max_amount", "authority", "kind", "keyword", "naics", "psc", "source",
        "event", "cadence", "hour", "weekday", "tz", "remind_days", "name")
# Filters field -> key
FILTER_KEYS = {"agencies": "agency", "vendors": "vendor", "min_amount": "min_amount",
               "max_amount": "max_amount", "authorities": "authority", "kinds": "kind",
               "keywords": "keyword", "naics": "naics", "psc": "psc", "sources": "source",
               "events": "event"}
AUTHORITIES = tuple(AUTHORITY_WORDS)
KINDS = (*NOTIFY_CLASSES, *DOC_KIND_WORDS)
SOURCES = {"samgov": "samgov", "fedreg": "fedreg", "feed": "feed",
           "federal_register": "fedreg", "feeds": "feed"}  # the poll names work too
MAX_TEXT = 200  # characters in a name, keyword or vendor
SECRET_KEYS = ("secret", "slack", "webhook")  # a Slack or webhook URL is a credential
MAX_AMOUNT = 1e13
# control characters, line/paragraph separators, and the invisible marks that reorder or
# hide text (bidi overrides, zero-width characters)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class NewSubscription:
    """A subscription checked in full, ready to insert (see ``parse``)."""

    subscriber: str
    target: Target
    owner_email: str | None
    filters: Filters
    cadence: str = "immediate"
    hour: int = 8
    weekday: str = "mon"
    timezone: str = "America/New_York"
    reminder_days: int | None = None
    name: str | None = None


def cli_option(key: str) -> str:
    """How the CLI names a key: ``min_amount`` -> ``--min-amount``; the subscriber is its
    argument, SUBSCRIBER."""
    return "SUBSCRIBER" if key == "subscriber" else "--" + key.replace("_", "-")


def toml_key(key: str) -> str:
    return key


class _Checker:
    """Turns raw values (CLI options or a TOML table) into checked ones; every error is a
    ConfigurationError naming the option (``--agency``) or key (``agency``)."""

    def __init__(self, option: Callable[[str], str]):
        self.option = option

    def fail(self, key: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"{self.option(key)} {message}")

    def text(self, key: str, value: Any, limit: int = MAX_TEXT) -> str:
        """``value`` stripped, if it is text, not empty, within ``limit`` and free of control
        marks. A secret (the webhook secret, Slack and webhook URLs) is never echoed."""
        shown = "(hidden)" if key in SECRET_KEYS else _cut(value)
        if not isinstance(value, str):
            raise self.fail(key, f"= {shown} is not text")
        value = value.strip()
        if not value:
            raise self.fail(key, "is empty; give a value")
        if CONTROL.search(value):
            raise self.fail(key, f"{shown} holds control characters; remove them")
        if len(value) > limit:
            raise self.fail(key, f"is {len(value):,} characters long; at most {limit}")
        return value

    def texts(self, key: str, value: Any) -> tuple[str, ...]:
        """A string or a list of strings (TOML), or a tuple of them (repeated CLI option)."""
        if value is None:
            return ()
        items = list(value) if isinstance(value, list | tuple) else [value]
        return tuple(self.text(key, v) for v in items)

    def choice(self, key: str, value: Any, valid: tuple[str, ...] | Mapping[str, str]) -> str:
        text = self.text(key, value)
        found = valid.get(text.lower()) if isinstance(valid, Mapping) else (
            text.lower() if text.lower() in valid else None)
        if found is None:
            raise self.fail(key, f"{_cut(text)} is not one of {', '.join(valid)}")
        return found

    def whole(self, key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"= {_cut(value)} is not a whole number")
        if not low <= value <= high:
            raise self.fail(key, f"= {value} is out of range: {low} to {high}")
        return value

    def amount(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"= {_cut(value)} is not an amount in dollars")
        if not math.isfinite(value) or value < 0 or value > MAX_AMOUNT:
            raise self.fail(key, f"= {_cut(value)} is not an amount in dollars (0 or more, "
                                 "e.g. 1000000)")
        return float(value)

    def agency(self, key: str, value: Any) -> str:
        """A name, alias or acronym of extractors/data/agencies.toml (any case), kept as
        written when matching reads it so, else the agency's own name."""
        text = self.text(key, value)
        known = agency_names()
        canonical = known.get(text.casefold())
        if canonical is None:
            near = close_agencies(text)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            raise self.fail(key, f"{_cut(text)} is not an agency solesource knows{hint} "
                                 "(every name, alias and acronym it knows is in "
                                 "extractors/data/agencies.toml)")
        found = normalize_agency(text)
        return text if found and found["normalized"] == canonical else canonical


@lru_cache(maxsize=1)
def _agency_rows() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, every spelling) for each agency of the alias table."""
    data = tomllib.loads(AGENCY_TABLE.read_text(encoding="utf-8"))
    return tuple((row["name"], (row["name"], *row.get("aliases", ()), *row.get("acronyms", ())))
                 for row in data.get("agency", []))


def agency_names() -> dict[str, str]:
    """Every spelling of every agency (case-folded) -> the agency's name."""
    return {spelling.casefold(): name for name, spellings in _agency_rows()
            for spelling in spellings}


def close_agencies(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` agencies of the alias table with a spelling that looks like ``text``,
    each as "name (ACRONYM)"."""
    spellings = {s.casefold(): name for name, row in _agency_rows() for s in row}
    folded = text.casefold()
    near = difflib.get_close_matches(folded, list(spellings), n=2 * n, cutoff=0.6)
    near += [k for k in spellings if len(folded) >= 3 and folded in k]
    acronyms = {name: row for name, row in _agency_rows()}
    out: list[str] = []
    for name in dict.fromkeys(spellings[k] for k in near):
        short = [a for a in acronyms[name][1:] if a.isupper() and len(a) <= 6]
        out.append(f"{name} ({short[0]})" if short else name)
    return out[:n]


def check_filters(raw: Mapping[str, Any], option: Callable[[str], str] = toml_key) -> Filters:
    """Filters from raw values keyed as ``KEYS`` (a value may be missing, None, a string or
    a list). Raises ConfigurationError naming the option for an unknown agency (with close
    matches), a negative or inverted amount, an unknown authority, kind or source, a
    malformed NAICS/PSC code, or text that is empty, too long or holds control characters."""
    c = _Checker(option)
    agencies = tuple(dict.fromkeys(c.agency("agency", a) for a in c.texts(
        "agency", raw.get("agency"))))
    low, high = c.amount("min_amount", raw.get("min_amount")), c.amount(
        "max_amount", raw.get("max_amount"))
    if low is not None and high is not None and low > high:
        raise c.fail("min_amount", f"{low:,.0f} is more than {option('max_amount')} "
                                   f"{high:,.0f}; swap them")
    naics = c.texts("naics", raw.get("naics"))
    if bad := next((n for n in naics if not re.fullmatch(r"[0-9]{6}", n)), None):
        raise c.fail("naics", f"{_cut(bad)} is not a NAICS code (6 digits, e.g. 541512)")
    psc = tuple(p.upper() for p in c.texts("psc", raw.get("psc")))
    if bad := next((p for p in psc if not re.fullmatch(r"[A-Z0-9]{4}", p)), None):
        raise c.fail("psc", f"{_cut(bad)} is not a product/service code (4 letters or "
                            "digits, e.g. D302)")
    return Filters(
        agencies=agencies, vendors=c.texts("vendor", raw.get("vendor")),
        min_amount=low, max_amount=high,
        authorities=tuple(c.choice("authority", a, AUTHORITIES)
                          for a in c.texts("authority", raw.get("authority"))),
        kinds=tuple(c.choice("kind", k, KINDS) for k in c.texts("kind", raw.get("kind"))),
        keywords=c.texts("keyword", raw.get("keyword")), naics=naics, psc=psc,
        sources=tuple(dict.fromkeys(c.choice("source", x, SOURCES)
                                    for x in c.texts("source", raw.get("source")))),
        events=tuple(dict.fromkeys(c.choice("event", e, tuple(EVENTS))
                                   for e in c.texts("event", raw.get("event")))))


def _channel(c: _Checker, raw: Mapping[str, Any], allow_loopback: bool) -> Target:
    given = [k for k in ("email", "slack", "webhook") if raw.get(k) not in (None, "")]
    if len(given) != 1:
        names = ", ".join(c.option(k) for k in ("email", "slack", "webhook"))
        raise ConfigurationError(f"give exactly one of {names}" + (
            f" (got {', '.join(c.option(k) for k in given)})" if given else ""))
    channel = given[0]
    address = c.text(channel, raw[channel], limit=2000)
    secret = raw.get("secret")
    if secret is not None:
        if channel != "webhook":
            raise c.fail("secret", f"is for {c.option('webhook')} only")
        secret = c.text("secret", secret, limit=500)
    elif channel == "webhook":
        raise c.fail("secret", f"is missing: a {c.option('webhook')} needs the signing "
                               "secret its receiver checks")
    target = Target(channel, address, secret)
    try:
        validate(target, allow_loopback=allow_loopback)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{c.option(channel)}: {exc}") from None
    return target


def parse(raw: Mapping[str, Any], option: Callable[[str], str] = toml_key, *,
          allow_loopback: bool = False) -> NewSubscription:
    """One subscription from raw values keyed as ``KEYS`` (CLI options or a TOML table).

    Takes: ``subscriber``, exactly one of ``email``/``slack``/``webhook`` (a webhook with its
    ``secret``), optional filters, cadence, hour, weekday, tz, remind_days, owner_email, name.
    Returns a NewSubscription in which every value is checked; raises ConfigurationError
    naming the offending option or key (``option`` spells it) and what to give instead.
    A Slack or webhook URL on 127.0.0.1 is refused unless ``allow_loopback`` (local testing
    and the demo: ``Settings.allow_loopback``).
    """
    c = _Checker(option)
    if unknown := [k for k in raw if k not in KEYS]:
        raise ConfigurationError(f"unknown key {_cut(unknown[0])}; the keys are "
                                 f"{', '.join(KEYS)}")
    if raw.get("subscriber") is None:
        raise c.fail("subscriber", "is missing: who is this for (a person or newsroom)?")
    subscriber = c.text("subscriber", raw["subscriber"])
    target = _channel(c, raw, allow_loopback)
    owner = raw.get("owner_email")
    if owner is not None:
        owner = c.text("owner_email", owner, limit=254)
        try:
            validate(Target("email", owner))
        except ConfigurationError as exc:
            raise c.fail("owner_email", str(exc)) from None
    filters = check_filters(raw, option)
    cadence = c.choice("cadence", raw.get("cadence", "immediate"), CADENCES)
    if target.channel != "email" and cadence != "immediate":
        raise c.fail("cadence", f"{cadence} is for email; Slack and webhooks get each match "
                                "as it happens")
    timezone = c.text("tz", raw.get("tz", "America/New_York"), limit=64)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise c.fail("tz", f"{_cut(timezone)} is not a time zone (e.g. America/New_York)"
                     ) from None
    remind = raw.get("remind_days")
    return NewSubscription(
        subscriber=subscriber, target=target, owner_email=owner, filters=filters,
        cadence=cadence, hour=c.whole("hour", raw.get("hour", 8), 0, 23),
        weekday=c.choice("weekday", raw.get("weekday", "mon"), WEEKDAYS),
        timezone=timezone,
        reminder_days=None if remind is None else c.whole("remind_days", remind, 1, 90),
        name=None if raw.get("name") is None else c.text("name", raw["name"], limit=80))


def insert(store: Databases, subs: list[NewSubscription], now: datetime) -> list[int]:
    """Store checked subscriptions in one transaction (all or none); their ids."""
    db = store.private
    ids = []
    with db.atomic():
        for new in subs:
            row = db.execute("select id from subscribers where name = ?",
                             [new.subscriber]).fetchone()
            if row:
                sub_id = row[0]
            else:
                sub_id = db["subscribers"].insert({
                    "name": new.subscriber, "email": new.owner_email or (
                        new.target.address if new.target.channel == "email" else None),
                    "timezone": new.timezone, "created_at": iso(now)}).last_pk
            ids.append(int(db["subscriptions"].insert({
                "subscriber_id": sub_id, "name": new.name or new.filters.describe()[:80],
                "channel": new.target.channel, "target": new.target.address,
                "secret": new.target.secret, "filters": new.filters.to_json(),
                "cadence": new.cadence, "hour": new.hour,
                "weekday": WEEKDAYS.index(new.weekday), "reminder_days": new.reminder_days,
                "state": "active", "created_at": iso(now), "updated_at": iso(now)}).last_pk))
    return ids


def add(store: Databases, now: datetime, *, subscriber: str, filters: Filters,
        email: str | None = None, slack: str | None = None, webhook: str | None = None,
        secret: str | None = None, cadence: str = "immediate", hour: int = 8,
        weekday: str = "mon", timezone: str = "America/New_York",
        reminder_days: int | None = None, name: str | None = None,
        owner_email: str | None = None, allow_loopback: bool = False) -> int:
    """Check and store one subscription (see ``parse``); its id."""
    raw: dict[str, Any] = {FILTER_KEYS[k]: v for k, v in asdict(filters).items()
                           if v not in ((), None)}
    raw |= {"subscriber": subscriber, "email": email, "slack": slack, "webhook": webhook,
            "secret": secret, "cadence": cadence, "hour": hour, "weekday": weekday,
            "tz": timezone, "remind_days": reminder_days, "name": name,
            "owner_email": owner_email}
    new = parse({k: v for k, v in raw.items() if v is not None}, allow_loopback=allow_loopback)
    return insert(store, [new], now)[0]


def load(store: Databases, subscription_id: int | None = None, active_only: bool = False
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


def remove(store: Databases, subscription_id: int, now: datetime, reason: str = "removed") -> bool:
    with store.private.atomic():
        cur = store.private.execute(
            "update subscriptions set state = 'unsubscribed', disabled_reason = ?, "
            "updated_at = ? where id = ? and state != 'unsubscribed'",
            [reason, iso(now), subscription_id])
        store.private.execute("update outbox set state = 'cancelled' where subscription_id = ? "
                              "and state in ('pending', 'sending')", [subscription_id])
    return cur.rowcount == 1


def disabled(store: Databases) -> list[dict[str, Any]]:
    """The disabled subscriptions, each as ``id`` and ``reason`` (why delivery gave up on
    it). Read-only."""
    return [dict(zip(("id", "reason"), r, strict=True)) for r in store.private.execute(
        "select id, disabled_reason from subscriptions where state = 'disabled'").fetchall()]


def retarget(store: Databases, subscription_id: int, address: str) -> None:
    """Point a subscription at a new address (the demo's sinks move between runs), as is:
    the caller has checked it."""
    store.private.execute("update subscriptions set target = ? where id = ?",
                          [address, subscription_id])


def disable(store: Databases, subscription_id: int, reason: str, now: datetime) -> None:
    store.private.execute("update subscriptions set state = 'disabled', disabled_reason = ?, "
                          "updated_at = ? where id = ?", [reason, iso(now), subscription_id])


def read_import(path: Path, *, allow_loopback: bool = False) -> list[NewSubscription]:
    """The ``[[subscription]]`` tables of a TOML file (format: README, Notifications), each
    checked as ``parse`` checks CLI options. Raises ConfigurationError naming the file, the
    table (``subscription #2``) and the key, for any unreadable, non-TOML or wrongly shaped
    file; returns nothing until every table is valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path} is not UTF-8 text; give a TOML file of "
                                 "[[subscription]] tables") from None
    except OSError as exc:
        raise ConfigurationError(f"{path} cannot be read ({exc.strerror}); give a TOML file "
                                 "of [[subscription]] tables") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML ({exc}); see README, "
                                 "Notifications, for the format") from None
    entries = data.get("subscription")
    if unknown := [k for k in data if k != "subscription"]:
        raise ConfigurationError(f"{path}: unexpected {_cut(unknown[0])} at the top level; "
                                 "write each subscription as a [[subscription]] table")
    if not isinstance(entries, list) or not entries or not all(
            isinstance(e, dict) for e in entries):
        raise ConfigurationError(f"{path} has no [[subscription]] tables; see README, "
                                 "Notifications, for the format")
    out = []
    for i, entry in enumerate(entries, 1):
        try:
            out.append(parse(entry, toml_key, allow_loopback=allow_loopback))
        except ConfigurationError as exc:
            who = entry.get("subscriber")
            label = f" ({_cut(who)})" if isinstance(who, str) else ""
            raise ConfigurationError(f"{path}: subscription #{i}{label}: {exc}") from None
    return out


def import_toml(store: Databases, path: Path, now: datetime, *,
                allow_loopback: bool = False) -> list[int]:
    """Check every ``[[subscription]]`` of a TOML file, then store them all in one
    transaction (none if any is invalid); their ids."""
    return insert(store, read_import(path, allow_loopback=allow_loopback), now)


def signing_key(store: Databases, config: DeliveryConfig) -> bytes:
    """The key that signs unsubscribe links: configured, or generated once and kept private."""
    if config.secret_key:
        return config.secret_key.encode()
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


def unsubscribe_url(config: DeliveryConfig, key: bytes, subscription_id: int) -> str:
    token = unsubscribe_token(key, subscription_id)
    return f"{config.public_url.rstrip('/')}/-/unsubscribe?s={subscription_id}&t={token}"


def check_token(key: bytes, subscription_id: int, token: str) -> bool:
    """Whether ``token`` signs ``subscription_id``; any text is answered, never raised on
    (compare_digest refuses non-ASCII str, so bytes are compared)."""
    return hmac.compare_digest(unsubscribe_token(key, subscription_id).encode(),
                               token.encode("utf-8", "replace"))


def unsubscribe_with_token(store: Databases, config: DeliveryConfig, subscription_id: int,
                           token: str, now: datetime) -> bool | None:
    """The signed one-click unsubscribe: None if the token is not valid for this
    subscription, else whether it was active until now (a replay changes nothing)."""
    if not check_token(signing_key(store, config), subscription_id, token):
        return None
    return remove(store, subscription_id, now, reason="unsubscribed by link")


def describe(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "subscriber": sub.subscriber, "channel": sub.target.channel,
            "target": mask(sub.target.channel, sub.target.address), "cadence": sub.cadence,
            "filters": sub.filters.describe(), "state": sub.state,
            "reminder_days": sub.reminder_days}
