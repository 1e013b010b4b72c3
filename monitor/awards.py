"""Awards in the store: snapshots with versions, links to justifications, and the lookup
schedule (issue 16). The HTTP side is ``monitor/sources/usaspending.py``.

Public database: ``awards`` (latest snapshot), ``award_versions`` (one row per snapshot whose
obligations, ceiling, dates or recipient differ), ``award_links`` (which notice an award
belongs to, how it was found, award or parent vehicle) and the raw payloads in
``raw_records`` (source ``usaspending``, kind ``award``). Private database:
``award_lookups``, one row per identifier of each justification, saying when to look next.

Every write is one transaction and idempotent: a crash at any point leaves either the whole
snapshot or none of it, and the next run carries on (a lookup not marked done is simply
done again, finding the same payload and writing nothing).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from monitor.models import RawRecord, canonical_json, normalize_piid
from monitor.store import Outcome, Store, insert_row, iso, update_row

log = logging.getLogger(__name__)

SOURCE = "usaspending"
# A change in any of these makes a new award version (a new payload alone does not).
VERSIONED = ("total_obligation", "base_exercised_options", "base_and_all_options",
             "date_signed", "pop_start", "pop_end", "pop_potential_end",
             "recipient_name", "recipient_uei")
# Which identifier of a notice a lookup came from, most telling first.
MATCHED_ON = ("award_number", "contract_number", "solicitation_number")
# Re-check a found award: (while younger than, every).
RECHECK = ((timedelta(days=30), timedelta(days=2)), (timedelta(days=182), timedelta(days=7)),
           (timedelta(days=365), timedelta(days=30)))
RECHECK_OLD = timedelta(days=90)
# An identifier not found yet: retry after 1, 2, 4, 8, 16 days, then every 21 days.
RETRY_FIRST = timedelta(days=1)
RETRY_MAX = timedelta(days=21)
DOD_LAG = timedelta(days=90)  # DoD contract data reaches USAspending 90 days late
STATES = ("pending", "not_found", "found", "error", "gave_up", "skipped")


# ---- which identifiers to look up ------------------------------------------------------

def usable_piid(value: Any) -> str | None:
    """``value`` as a PIID to search for (upper case, no dashes), or None when it cannot be
    one: shorter than 6 characters, without a digit or a letter ("N/A", "TBD", "000000")."""
    if not isinstance(value, str):
        return None
    piid = normalize_piid(value)
    if (piid is None or not 6 <= len(piid) <= 50 or not any(c.isdigit() for c in piid)
            or not any(c.isalpha() for c in piid)):
        return None
    return piid


def identifiers(award_number: Any, solicitation_number: Any, contract_numbers: Any
                ) -> list[tuple[str, str]]:
    """``(piid, matched_on)`` for each distinct usable identifier of a notice, the most
    telling source first: SAM.gov's award number, the numbers the document cites, then the
    solicitation number."""
    found: dict[str, str] = {}
    numbers = contract_numbers if isinstance(contract_numbers, list) else []
    for matched_on, values in (("award_number", [award_number]),
                               ("contract_number", numbers),
                               ("solicitation_number", [solicitation_number])):
        for value in values:
            piid = usable_piid(value)
            if piid is not None and piid not in found:
                found[piid] = matched_on
    return list(found.items())


def _notice_identifiers(store: Store) -> dict[str, list[tuple[str, str]]]:
    """For every justification and notice of intent: its identifiers."""
    rows = store.public.execute(
        "select j.notice_id, n.award_number, n.solicitation_number, j.contract_number, "
        "(select group_concat(e.result, char(30)) from extractions e "
        " where e.notice_id = j.notice_id and e.notice_version = n.version) "
        "from justifications j join notices n on n.id = j.notice_id").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for notice_id, award_number, solicitation, contract_number, results in rows:
        numbers: list[Any] = [contract_number] if contract_number else []
        for text in (results or "").split("\x1e"):
            try:
                result = json.loads(text) if text else {}
            except ValueError:
                continue
            if isinstance(result, dict) and isinstance(result.get("contract_numbers"), list):
                numbers.extend(result["contract_numbers"])
        out[notice_id] = identifiers(award_number, solicitation, numbers)
    return out


GONE = "no longer a justification (amended or reclassified)"


def sync_lookups(store: Store, now: datetime) -> int:
    """Add a pending lookup for every identifier of every justification not yet known;
    returns how many were added. The lookups of a notice no longer shown as a justification
    (an amendment took its place) are ``skipped``, and taken up again should it come back.
    Safe to run any number of times."""
    added = 0
    wanted = _notice_identifiers(store)
    with store.private.atomic():
        for notice_id, pairs in wanted.items():
            for piid, matched_on in pairs:
                cur = store.private.execute(
                    "insert or ignore into award_lookups (notice_id, piid, matched_on, state, "
                    "attempts, next_check_at) values (?, ?, ?, 'pending', 0, ?)",
                    [notice_id, piid, matched_on, iso(now)])
                added += cur.rowcount
        rows = store.private.execute(
            "select distinct notice_id, last_error = ? from award_lookups "
            "where state != 'skipped' or last_error = ?", [GONE, GONE]).fetchall()
        for notice_id in {n for n, gone in rows if not gone and n not in wanted}:
            store.private.execute("update award_lookups set state = 'skipped', last_error = ? "
                                  "where notice_id = ?", [GONE, notice_id])
        for notice_id in {n for n, gone in rows if gone and n in wanted}:
            store.private.execute(
                "update award_lookups set state = 'pending', last_error = null, "
                "next_check_at = ? where notice_id = ? and last_error = ?",
                [iso(now), notice_id, GONE])
    return added


@dataclass
class Lookup:
    notice_id: str
    piid: str
    matched_on: str
    state: str
    attempts: int
    first_tried_at: str | None


def due_lookups(store: Store, now: datetime) -> list[Lookup]:
    """Lookups whose time has come (after ``sync_lookups``: of notices still shown as
    justifications): the oldest due first, SAM.gov's award numbers before the others."""
    rows = store.private.execute(
        "select notice_id, piid, matched_on, state, attempts, first_tried_at "
        "from award_lookups where state not in ('gave_up', 'skipped') and next_check_at <= ? "
        "order by state = 'found', next_check_at, "
        "case matched_on when 'award_number' then 0 when 'contract_number' then 1 else 2 end, "
        "notice_id, piid", [iso(now)]).fetchall()
    return [Lookup(*r) for r in rows]


def _is_dod(store: Store, notice_id: str) -> bool:
    row = store.public.execute("select agency_path from notices where id = ?",
                               [notice_id]).fetchone()
    path = (row[0] or "").upper() if row else ""
    return path.startswith(("DEPT OF DEFENSE", "DEFENSE, DEPARTMENT OF", "DEPARTMENT OF DEFENSE"))


def recheck_after(last_active: str | None, now: datetime) -> timedelta:
    """How long until a found award is looked at again, from its last activity (the later
    of its signing and its last modification): often while it is young (every 2 days in its
    first month, weekly to six months, monthly to a year), every 90 days after."""
    try:
        active = date.fromisoformat(str(last_active)[:10])
    except ValueError:
        return RECHECK[1][1]
    age = now.date() - active
    return next((every for younger, every in RECHECK if age < younger), RECHECK_OLD)


def retry_after(attempts: int) -> timedelta:
    """How long until an identifier not found yet is tried again, after ``attempts`` tries."""
    return min(RETRY_FIRST * 2 ** max(0, attempts - 1), RETRY_MAX)


def _mark(store: Store, lookup: Lookup, now: datetime, values: dict[str, Any]) -> None:
    with store.private.atomic():
        store.private.execute(
            f"update award_lookups set {', '.join(f'[{k}] = ?' for k in values)}, "
            "attempts = attempts + 1, last_checked_at = ?, "
            "first_tried_at = coalesce(first_tried_at, ?) where notice_id = ? and piid = ?",
            [*values.values(), iso(now), iso(now), lookup.notice_id, lookup.piid])


def mark_found(store: Store, lookup: Lookup, now: datetime, last_active: str | None) -> None:
    """Found: re-check on the schedule of ``recheck_after``. Once an award number or a
    cited contract number has found the award, the notice's solicitation number (rarely an
    award's PIID) is no longer looked up: state ``skipped``."""
    _mark(store, lookup, now, {"state": "found", "last_error": None,
                               "next_check_at": iso(now + recheck_after(last_active, now))})
    if lookup.matched_on != "solicitation_number":
        with store.private.atomic():
            store.private.execute(
                "update award_lookups set state = 'skipped', last_error = ? where notice_id = ? "
                "and matched_on = 'solicitation_number' and state in ('pending', 'not_found', "
                "'error')", [f"not needed: {lookup.piid} found the award", lookup.notice_id])


def is_settled(store: Store, lookup: Lookup) -> bool:
    """True when the lookup was skipped or given up since it was found due."""
    row = store.private.execute("select state from award_lookups where notice_id = ? and "
                                "piid = ?", [lookup.notice_id, lookup.piid]).fetchone()
    return row is None or row[0] in ("skipped", "gave_up")


def mark_not_found(store: Store, lookup: Lookup, now: datetime, give_up_days: int) -> str:
    """Nothing matched: retry later with backoff, or give up once the lookup is older than
    ``give_up_days`` (plus 90 days for a DoD notice). Returns the new state."""
    first = datetime.fromisoformat(lookup.first_tried_at) if lookup.first_tried_at else now
    limit = timedelta(days=give_up_days) + (DOD_LAG if _is_dod(store, lookup.notice_id)
                                            else timedelta(0))
    if lookup.state == "found":  # it was there before: keep re-checking, say what happened
        _mark(store, lookup, now, {"last_error": "no longer found in USAspending",
                                   "next_check_at": iso(now + RECHECK[1][1])})
        return "found"
    state = "gave_up" if now - first >= limit else "not_found"
    _mark(store, lookup, now, {"state": state, "last_error": None,
                               "next_check_at": iso(now + retry_after(lookup.attempts + 1))})
    return state


def mark_error(store: Store, lookup: Lookup, now: datetime, error: str) -> None:
    """The lookup failed (a 4xx, a bad payload): keep its state, try again later."""
    _mark(store, lookup, now, {"last_error": error[:500],
                               "next_check_at": iso(now + retry_after(lookup.attempts + 1)),
                               "state": lookup.state if lookup.state != "pending" else "error"})


def note_failure(store: Store, lookup: Lookup, error: str) -> None:
    """The service is down (5xx, timeout): say so, and leave the lookup due."""
    with store.private.atomic():
        store.private.execute("update award_lookups set last_error = ? "
                              "where notice_id = ? and piid = ?",
                              [error[:500], lookup.notice_id, lookup.piid])


def lookup_counts(store: Store) -> dict[str, int]:
    """How many lookups are in each state (``pending`` never tried, ``not_found`` not yet in
    USAspending and retried later, ``found``, ``error``, ``gave_up``, ``skipped``: not
    needed since another identifier of the notice found its award)."""
    counts = dict.fromkeys(STATES, 0)
    for state, n in store.private.execute(
            "select state, count(*) from award_lookups group by state").fetchall():
        counts[state] = n
    return counts


# ---- award snapshots ---------------------------------------------------------------------

def _award_row(store: Store, award_id: str) -> dict[str, Any] | None:
    cursor = store.public.execute("select * from awards where id = ?", [award_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def save_award(store: Store, payload: dict[str, Any], row: dict[str, Any], now: datetime
               ) -> Outcome:
    """Keep ``payload`` (raw, with its sha256) and the parsed ``row`` as the award's latest
    snapshot. A new ``award_versions`` row only when a VERSIONED field changed; the same
    payload again writes nothing. One transaction."""
    raw = RawRecord(SOURCE, row["id"], "award", payload)
    db = store.public
    with db.atomic():
        if db.execute("select 1 from raw_records where source = ? and source_id = ? and "
                      "sha256 = ?", [SOURCE, row["id"], raw.sha256]).fetchone():
            return "unchanged"
        insert_row(db, "raw_records", {"source": SOURCE, "source_id": row["id"],
                                       "sha256": raw.sha256, "kind": "award",
                                       "payload": raw.text, "fetched_at": iso(now)},
                   ignore=True)
        before = _award_row(store, row["id"])
        if before is None:
            insert_row(db, "awards", row | {"version": 1, "sha256": raw.sha256,
                                            "first_seen_at": iso(now), "fetched_at": iso(now)})
            _version(store, row, 1, raw.sha256, now, list(VERSIONED))
            return "new"
        changed = [k for k in VERSIONED if before.get(k) != row.get(k)]
        version = before["version"] + (1 if changed else 0)
        update_row(db, "awards", "id", row["id"], {
            **{k: v for k, v in row.items() if k != "id"},
            "version": version, "sha256": raw.sha256, "fetched_at": iso(now)})
        if not changed:
            return "unchanged"
        _version(store, row, version, raw.sha256, now, changed)
        return "updated"


def _version(store: Store, row: dict[str, Any], version: int, sha256: str, now: datetime,
             changed: list[str]) -> None:
    insert_row(store.public, "award_versions", {
        "award_id": row["id"], "version": version, "sha256": sha256, "seen_at": iso(now),
        "total_obligation": row.get("total_obligation"),
        "base_and_all_options": row.get("base_and_all_options"),
        "date_signed": row.get("date_signed"), "pop_end": row.get("pop_end"),
        "recipient_name": row.get("recipient_name"),
        "last_modified_date": row.get("last_modified_date"),
        "changed_fields": canonical_json(changed)}, ignore=True)


def _rank(relation: str, matched_on: str) -> int:
    """Which relation a link keeps when an award is found more than one way: the award
    SAM.gov names, then a parent vehicle, then an award found by another identifier."""
    if relation == "award":
        return 3 if matched_on == "award_number" else 1
    return 2


def link(store: Store, notice_id: str, award_id: str, piid: str | None, matched_on: str,
         relation: str, now: datetime) -> bool:
    """Say that ``award_id`` belongs to ``notice_id`` (``relation`` ``award`` or ``parent``).
    An award found more than one way keeps the stronger relation (see ``_rank``): the BPA
    whose number a document cites is still the parent of the call SAM.gov names. True when
    the link is new or changed."""
    with store.public.atomic():
        known = store.public.execute(
            "select relation, matched_on from award_links where notice_id = ? and award_id = ?",
            [notice_id, award_id]).fetchone()
        if known is None:
            insert_row(store.public, "award_links", {
                "notice_id": notice_id, "award_id": award_id, "piid": piid,
                "matched_on": matched_on, "relation": relation, "linked_at": iso(now)})
            return True
        if _rank(relation, matched_on) > _rank(*known):
            store.public.execute(
                "update award_links set relation = ?, piid = ?, matched_on = ? "
                "where notice_id = ? and award_id = ?",
                [relation, piid, matched_on, notice_id, award_id])
            return True
        return False


def award_counts(store: Store) -> dict[str, int]:
    q = store.public.execute
    return {"awards": q("select count(*) from awards").fetchone()[0],
            "award_versions": q("select count(*) from award_versions").fetchone()[0],
            "award_links": q("select count(*) from award_links").fetchone()[0]}
