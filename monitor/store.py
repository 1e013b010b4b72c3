"""The two databases, and the SQL of the tables the pollers write.

The database is the queue and the audit log: every step is idempotent. A ``Store`` holds one
connection to each database (public ``solesource.db``, the one Datasette serves; private
``private.db``, never served) and closes both when its ``with`` block ends.
``open_store(settings)`` is the one way the CLI, the pipeline and the browser open them.

Each module owns the SQL of the tables it owns, as in Datasette; every table is created in
``schema.py`` (append-only migrations). Here: ``raw_records``, ``notices``,
``notice_versions``, ``attachments`` (public), ``runs``, ``cursors``, ``backfill_jobs``
(private), and the ``counts()`` summary. Elsewhere: ``budget`` owns ``quota``;
``extraction`` owns ``extractions`` and fills the extracted columns of ``notices``;
``justifications`` owns ``justifications``, ``evidence``, ``changes`` and
``justification_search``; ``subscriptions`` owns ``subscribers``, ``subscriptions`` and
``secrets`` (and cancels a removed subscription's ``outbox`` rows); ``outbox`` owns
``outbox``, ``matched`` and ``sent_state``; ``delivery`` owns ``deliveries`` and moves
``outbox`` rows through sending, retry and dead; ``attachments`` marks a stored file gone
bad in ``attachments``. Read-only queries sit where their answer is shown:
``pipeline.status``, ``attachments.recheck_stored`` and the Datasette pages in ``browse``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from monitor import schema
from monitor.models import Notice, RawRecord, canonical_json, sha256_text
from monitor.settings import Settings

log = logging.getLogger(__name__)

Outcome = Literal["new", "updated", "unchanged"]


def iso(dt: datetime) -> str:
    """``dt`` as the text every table stores: UTC, to the second (``2025-04-30T14:00:00+00:00``).
    A naive ``dt`` is taken as local time, as ``datetime.astimezone`` does."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


BUSY_TIMEOUT_SECONDS = 30


class WriterDatabase(Database):
    """sqlite-utils' Database whose outermost ``atomic()`` is ``BEGIN IMMEDIATE``.

    A deferred transaction that reads and then writes cannot wait for another writer in WAL
    mode: SQLite answers ``database is locked`` at once, whatever the busy timeout. Taking
    the write lock at BEGIN makes it wait (up to the busy timeout) like any other write.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction: committed when the block ends, rolled back if it raises (or the
        process dies inside it). Nested blocks become savepoints of the outermost one."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: Path, migrations: Any) -> Database:
    """Open (creating and migrating) one database: WAL, and a busy timeout of
    BUSY_TIMEOUT_SECONDS on the connection, so a concurrent writer is waited for.

    Idempotent: an up-to-date database is opened as is; migrations not yet applied run
    once each. The caller closes what it gets.

    :param path: the database file; its folder is created if missing
    :param migrations: ``schema.public`` or ``schema.private``
    :returns: a ``WriterDatabase`` whose ``atomic()`` takes the write lock at ``BEGIN``
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)
    db = WriterDatabase(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    return db


def _sql_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list | tuple) else value


def insert_row(db: Database, table: str, row: dict[str, Any], *, ignore: bool = False) -> None:
    """A plain INSERT: sqlite-utils' table methods re-read the schema on every call, which
    is most of the cost of storing 50,000 notices.

    :param row: column → value; a dict, list or tuple value is stored as JSON text
    :param ignore: ``insert or ignore``: a row whose key is already there is left alone
      (which makes the insert idempotent)
    """
    cols = list(row)
    db.execute(f"insert {'or ignore ' if ignore else ''}into [{table}] "
               f"({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})",
               [_sql_value(row[c]) for c in cols])


def update_row(db: Database, table: str, pk: str, key: Any, values: dict[str, Any]) -> None:
    """Set ``values`` (column → value, JSON for a dict/list/tuple) on the row of ``table``
    whose ``pk`` column is ``key``; nothing when ``values`` is empty or no row matches.
    One statement, idempotent."""
    if values:
        db.execute(f"update [{table}] set {', '.join(f'[{c}] = ?' for c in values)} "
                   f"where [{pk}] = ?", [*map(_sql_value, values.values()), key])


def upsert_row(db: Database, table: str, pk: str, row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table``, or, when a row with its ``pk`` exists, overwrite the
    columns ``row`` names (the others keep their values). One statement, idempotent."""
    cols = list(row)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != pk)
    db.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values "
               f"({', '.join('?' * len(cols))}) on conflict([{pk}]) do update set {updates}",
               [_sql_value(row[c]) for c in cols])


@dataclass
class Store:
    """The public and the private database, open together; a context manager that closes
    both::

        with open_store(settings) as store:
            store.save_notice(raw, notice, now)

    Every write is one statement or one transaction, so a process killed at any point
    leaves each database as it was before or after that write, never half of it.
    """

    public: Database
    private: Database

    @classmethod
    def open(cls, public_path: Path, private_path: Path) -> Store:
        """Open (creating and migrating) both databases; see ``open_db``.

        :raises ValueError: if both paths name the same file (the private tables would be
          served)
        """
        if public_path.resolve() == private_path.resolve():
            raise ValueError("the public and private databases must be different files")
        public = open_db(public_path, schema.public)
        try:
            return cls(public, open_db(private_path, schema.private))
        except BaseException:
            public.close()
            raise

    def close(self) -> None:
        """Close both connections (what was committed stays; an open transaction is lost)."""
        self.public.close()
        self.private.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- notices and their versions -------------------------------------------------

    def save_notice(self, raw: RawRecord, notice: Notice, now: datetime) -> Outcome:
        """Keep the raw payload; add a version when something material changed.

        Re-saving the same payload changes nothing. One transaction, so a crash leaves
        either the whole record or none of it.

        :param raw: the payload as fetched (kept in ``raw_records``, keyed by its sha256)
        :param notice: what was read from it
        :param now: when it was fetched
        :returns: ``"new"`` (first time this notice is seen), ``"updated"`` (a new version:
          a material field changed) or ``"unchanged"``
        """
        db = self.public
        with db.atomic():
            if self._raw_seen(raw):
                return "unchanged"
            insert_row(db, "raw_records",
                       {"source": raw.source, "source_id": raw.source_id, "sha256": raw.sha256,
                        "kind": raw.kind, "payload": raw.text, "fetched_at": iso(now)},
                       ignore=True)
            existing = self._notice_row(notice.id)
            if existing is None:
                self._insert_notice(notice, raw, now)
                return "new"
            return self._update_notice(existing, notice, raw, now)

    def _raw_seen(self, raw: RawRecord) -> bool:
        return bool(self.public.execute(
            "select 1 from raw_records where source=? and source_id=? and sha256=?",
            [raw.source, raw.source_id, raw.sha256]).fetchone())

    def notice(self, notice_id: str) -> dict[str, Any] | None:
        """The ``notices`` row (column → value) of ``notice_id``, or None."""
        return self._notice_row(notice_id)

    def _notice_row(self, notice_id: str) -> dict[str, Any] | None:
        cursor = self.public.execute("select * from notices where id = ?", [notice_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def _columns(self, notice: Notice) -> dict[str, Any]:
        d = notice.as_dict()
        out = {k: d[k] for k in (
            "source", "source_id", "title", "notice_type", "base_type", "posted_date",
            "response_deadline", "archive_date", "solicitation_number", "award_number",
            "awardee", "awardee_uei", "award_amount", "authority_code", "agency_path",
            "agency_code", "naics", "psc", "set_aside", "url")}
        out["active"] = None if notice.active is None else int(notice.active)
        out["attachment_urls"] = (json.dumps(list(notice.attachment_urls))
                                  if notice.attachment_urls else None)
        return out

    def _insert_notice(self, notice: Notice, raw: RawRecord, now: datetime) -> None:
        material = notice.material()
        content = sha256_text(canonical_json(material))
        row = self._columns(notice) | {
            "id": notice.id, "version": 1, "family_key": notice.family_key,
            "parent_notice_id": (f"{notice.source}:{notice.parent_source_id}"
                                 if notice.parent_source_id else None),
            "description": notice.description,
            "description_state": "fetched" if notice.description else "pending",
            "attachments_state": "pending", "extraction_state": "pending",
            "content_sha256": content, "raw_sha256": raw.sha256,
            "first_seen_at": iso(now), "updated_at": iso(now),
            "fields": canonical_json(material),
        }
        insert_row(self.public, "notices", row)
        self._insert_version(notice, 1, content, raw, now, sorted(material))
        self._relink_family(notice.source, notice.family_key)

    def _update_notice(self, row: dict[str, Any], notice: Notice, raw: RawRecord,
                       now: datetime) -> Outcome:
        known = json.loads(row["fields"] or "{}")
        incoming = notice.material()
        changed = sorted(k for k, v in incoming.items() if known.get(k) != v)
        updates: dict[str, Any] = {"raw_sha256": raw.sha256}
        # Fill what we did not know yet (e.g. a CSV description) without a new version;
        # links (signed or host-specific) always take the latest value.
        for key, value in self._columns(notice).items():
            if value is not None and (row.get(key) is None or key == "attachment_urls"):
                updates[key] = value
        if notice.description and not row["description"]:
            updates |= {"description": notice.description, "description_state": "fetched"}
        if not changed:
            update_row(self.public, "notices", "id", row["id"], updates)
            return "unchanged"
        merged = known | incoming
        content = sha256_text(canonical_json(merged))
        version = row["version"] + 1
        updates |= {k: v for k, v in self._columns(notice).items() if v is not None}
        updates |= {
            "version": version, "content_sha256": content, "fields": canonical_json(merged),
            "updated_at": iso(now), "family_key": notice.family_key or row["family_key"],
            "extraction_state": "pending",
        }
        if "attachment_ids" in changed:
            updates["attachments_state"] = "pending"
        update_row(self.public, "notices", "id", row["id"], updates)
        self._insert_version(notice, version, content, raw, now, changed, merged)
        if updates["family_key"] != row["family_key"]:
            self._relink_family(notice.source, row["family_key"])
            self._relink_family(notice.source, updates["family_key"])
        return "updated"

    def _insert_version(self, notice: Notice, version: int, content: str, raw: RawRecord,
                        now: datetime, changed: list[str],
                        fields: dict[str, Any] | None = None) -> None:
        fields = fields if fields is not None else notice.material()
        insert_row(self.public, "notice_versions", {
            "notice_id": notice.id, "version": version, "content_sha256": content,
            "raw_sha256": raw.sha256, "seen_at": iso(now), "title": fields.get("title"),
            "notice_type": fields.get("notice_type"), "posted_date": fields.get("posted_date"),
            "response_deadline": fields.get("response_deadline"),
            "award_number": fields.get("award_number"), "awardee": fields.get("awardee"),
            "award_amount": fields.get("award_amount"), "changed_fields": json.dumps(changed),
            "fields": canonical_json(fields),
        }, ignore=True)

    def _relink_family(self, source: str, family_key: str | None) -> None:
        """Chain a family's notices (same PIID or solicitation) in posting order, so an
        amendment points at what it amends even when the two arrive out of order."""
        if not family_key:
            return
        ids = [r[0] for r in self.public.execute(
            "select id from notices where family_key = ? and source = ? "
            "order by posted_date, first_seen_at, id", [family_key, source]).fetchall()]
        for previous, current in zip([None, *ids], ids, strict=False):
            self.public.execute("update notices set previous_notice_id = ? where id = ? "
                                "and previous_notice_id is not ?", [previous, current, previous])

    def save_description(self, notice_id: str, raw: RawRecord, text: str | None,
                         now: datetime) -> None:
        """Store a notice's description fetched on its own (SAM.gov's ``noticedesc``): the
        raw payload, the text (None: the notice has none), and the text's sha256 in the
        current version's fields; the notice is marked for extraction again.

        One transaction; saving the same description again writes the same values.
        """
        with self.public.atomic():
            insert_row(self.public, "raw_records",
                       {"source": raw.source, "source_id": raw.source_id, "sha256": raw.sha256,
                        "kind": raw.kind, "payload": raw.text, "fetched_at": iso(now)},
                       ignore=True)
            update_row(self.public, "notices", "id", notice_id, {
                "description": text, "description_state": "fetched" if text else "none",
                "extraction_state": "pending"})
            self.public.execute(
                "update notice_versions set fields = json_set(fields, '$.description_sha256', ?)"
                " where notice_id = ? and version = (select version from notices where id = ?)",
                [sha256_text(text or ""), notice_id, notice_id])

    def pending_descriptions(self, source: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Notices of ``source`` still waiting for a description, justifications first, then
        likely intents, then the rest (newest first within each).

        :param limit: at most this many (all when None)
        :returns: dicts with ``id``, ``source_id``, ``title`` and ``notice_type``
        """
        sql = (
            "select id, source_id, title, notice_type from notices "
            "where source = ? and description_state = 'pending' "
            "order by case when notice_type like '%ustification%' then 0 "
            "when lower(title) glob '*sole*' or lower(title) glob '*single source*' "
            "or lower(title) glob '*intent*' or lower(title) glob '*j&a*' "
            "or lower(title) glob '*justification*' then 1 else 2 end, "
            "posted_date desc, id"
        )
        if limit is not None:
            sql += f" limit {int(limit)}"
        return [dict(zip(("id", "source_id", "title", "notice_type"), r, strict=True))
                for r in self.public.execute(sql, [source]).fetchall()]

    def set_notice(self, notice_id: str, **values: Any) -> None:
        """Set columns of one ``notices`` row (e.g. ``attachments_state="pending"``); one
        statement, idempotent."""
        update_row(self.public, "notices", "id", notice_id, values)

    def notices_needing_attachments(self, source: str) -> list[dict[str, Any]]:
        """The ``notices`` rows of ``source`` whose attachments are still to be listed or
        fetched (``attachments_state = 'pending'``), newest first."""
        return list(self.public["notices"].rows_where(
            "source = ? and attachments_state = 'pending'", [source],
            order_by="posted_date desc, id"))

    # ---- attachments -----------------------------------------------------------------

    def finished_attachment_ids(self, source: str) -> set[str]:
        """Ids of the attachments of ``source`` that need no more work (stored, or known not
        to be fetchable: private, a link, deleted, too large)."""
        return {r[0] for r in self.public.execute(
            "select id from attachments where id like ? and state in "
            "('stored', 'private', 'link', 'deleted', 'too_large')", [f"{source}:%"])}

    def save_attachment(self, row: dict[str, Any]) -> None:
        """Insert or update one ``attachments`` row by its ``id`` (only the columns ``row``
        names change); one statement, idempotent."""
        upsert_row(self.public, "attachments", "id", row)

    def attachment(self, attachment_id: str) -> dict[str, Any] | None:
        """The ``attachments`` row of ``attachment_id``, or None."""
        rows = list(self.public["attachments"].rows_where("id = ?", [attachment_id]))
        return rows[0] if rows else None

    # ---- cursors, runs, backfill jobs (private) ----------------------------------------

    def cursor(self, source: str) -> dict[str, Any]:
        """Where ``source`` stopped last time (its own JSON state); ``{}`` before its first
        run."""
        rows = list(self.private["cursors"].rows_where("source = ?", [source]))
        return json.loads(rows[0]["state"]) if rows else {}

    def set_cursor(self, source: str, state: dict[str, Any], now: datetime) -> None:
        """Replace ``source``'s cursor with ``state`` (idempotent). A source
        saves it after the records it covers, so a kill in between re-fetches them (and
        ``save_notice`` finds them unchanged)."""
        self.private["cursors"].upsert(
            {"source": source, "state": canonical_json(state), "updated_at": iso(now)},
            pk="source")

    def start_run(self, source: str, kind: str, now: datetime) -> int:
        """Record that a ``kind`` run (``poll``, ``backfill``) of ``source`` began; returns
        its id for ``finish_run``. Not idempotent: each call is a new ``runs`` row, and a run
        killed before ``finish_run`` stays ``running`` in the log."""
        return int(self.private["runs"].insert(
            {"source": source, "kind": kind, "started_at": iso(now), "status": "running",
             "fetched": 0, "new": 0, "updated": 0, "requests": 0}).last_pk)

    def finish_run(self, run_id: int, now: datetime, status: str, error: str | None = None,
                   **counts: int) -> None:
        """Close run ``run_id`` with its ``status`` (``ok``, ``error``, ``budget``,
        ``rate_limited``, ``auth``), the error line if any and its counts (``fetched``,
        ``new``, ``updated``, ``requests``)."""
        self.private["runs"].update(run_id, {"finished_at": iso(now), "status": status,
                                             "error": error, **counts})

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """The last ``limit`` ``runs`` rows, newest first."""
        return list(self.private["runs"].rows_where(order_by="id desc", limit=limit))

    def backfill_jobs(self, source: str, states: tuple[str, ...] = ("pending", "running")
                      ) -> list[dict[str, Any]]:
        """The ``backfill_jobs`` rows of ``source`` in one of ``states``, oldest first."""
        marks = ",".join("?" * len(states))
        return list(self.private["backfill_jobs"].rows_where(
            f"source = ? and state in ({marks})", [source, *states], order_by="id"))

    def add_backfill_job(self, source: str, date_from: str, date_to: str, now: datetime) -> int:
        """Queue a backfill of ``source`` from ``date_from`` to ``date_to`` (ISO dates) and
        return its id. Idempotent: the same range while still pending or running is the same
        job (under the single-writer lock, see ``monitor/lock.py``)."""
        existing = self.private.execute(
            "select id from backfill_jobs where source=? and date_from=? and date_to=? "
            "and state in ('pending','running')", [source, date_from, date_to]).fetchone()
        if existing:
            return int(existing[0])
        return int(self.private["backfill_jobs"].insert({
            "source": source, "date_from": date_from, "date_to": date_to, "offset": 0,
            "state": "pending", "created_at": iso(now), "updated_at": iso(now)}).last_pk)

    def update_backfill_job(self, job_id: int, now: datetime, **values: Any) -> None:
        """Set columns of backfill job ``job_id`` (``offset``, ``state``, ``total``...) and
        its ``updated_at``; one statement."""
        self.private["backfill_jobs"].update(job_id, {**values, "updated_at": iso(now)})

    def counts(self) -> dict[str, int]:
        """What ``solesource status`` counts: notices, versions, justifications and notices of
        intent (as Datasette's ``justifications`` table holds them), stored
        attachments, descriptions still to fetch, stored files missing or damaged, and
        documents whose scanned pages went unread (no tesseract)."""
        q = self.public.execute
        return {
            "notices": q("select count(*) from notices").fetchone()[0],
            "versions": q("select count(*) from notice_versions").fetchone()[0],
            # the rows Datasette's ``justifications`` table shows, told apart as it tells them
            "justifications": q("select count(*) from justifications "
                                "where kind = 'Justification'").fetchone()[0],
            "notices_of_intent": q("select count(*) from justifications "
                                   "where kind = 'Notice of intent'").fetchone()[0],
            "attachments": q("select count(*) from attachments where state='stored'"
                             ).fetchone()[0],
            "descriptions_pending": q("select count(*) from notices "
                                      "where description_state='pending'").fetchone()[0],
            "attachments_missing": q("select count(*) from attachments where state='missing'"
                                     ).fetchone()[0],
            "attachments_damaged": q("select count(*) from attachments where state='damaged'"
                                     ).fetchone()[0],
            # documents whose scanned pages went unread: no OCR on the machine that read them
            "scans_unread": q("select count(distinct coalesce(attachment_id, notice_id)) from "
                              "extractions where problems like '%tesseract is not installed%'"
                              ).fetchone()[0],
        }

    def iter_notices(self) -> Iterator[dict[str, Any]]:
        """Every ``notices`` row, newest posting first (read lazily)."""
        yield from self.public["notices"].rows_where(order_by="posted_date desc, id")


def open_store(settings: Settings) -> Store:
    """The store of ``settings``' data folder (``public_db``, ``private_db``), created and
    migrated if needed: the one way the CLI, the pipeline and the browser open it. Use it
    as ``with open_store(settings) as store:``, which closes both databases."""
    return Store.open(settings.public_db, settings.private_db)


# ---- a full disk ----------------------------------------------------------------------------

DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def disk_full(exc: BaseException) -> str | None:
    """What went wrong, if ``exc`` (or what caused it) is a write refused for lack of space:
    SQLite's "database or disk is full" or a disk I/O error, or an OSError ENOSPC / EDQUOT /
    EFBIG (a file size limit). None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_ERRNOS:
            return os.strerror(current.errno).lower()
        if isinstance(current, sqlite3.OperationalError):
            code = getattr(current, "sqlite_errorcode", 0) & 0xFF
            if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) or str(current) in (
                    "database or disk is full", "disk I/O error"):
                return str(current)
        current = current.__cause__ or current.__context__
    return None


def disk_full_line(exc: BaseException, data_dir: Path) -> str | None:
    """The one line to show for a full disk under ``data_dir`` (None if ``exc`` is not one).

    SQLite rolls back what it could not write, so the databases stay intact and the next
    run carries on from the last committed step.
    """
    reason = disk_full(exc)
    if reason is None:
        return None
    return (f"could not write to {data_dir}: {reason}. Free some space there (or raise the "
            "file size limit) and run again; the databases are intact and the next run "
            "carries on where this one stopped.")
