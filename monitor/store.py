"""All SQL lives here. The database is the queue and the audit log: every step is idempotent."""

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

log = logging.getLogger(__name__)

Outcome = Literal["new", "updated", "unchanged"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
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
    BUSY_TIMEOUT_SECONDS on the connection, so a concurrent writer is waited for."""
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
    is most of the cost of storing 50,000 notices."""
    cols = list(row)
    db.execute(f"insert {'or ignore ' if ignore else ''}into [{table}] "
               f"({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})",
               [_sql_value(row[c]) for c in cols])


def update_row(db: Database, table: str, pk: str, key: Any, values: dict[str, Any]) -> None:
    if values:
        db.execute(f"update [{table}] set {', '.join(f'[{c}] = ?' for c in values)} "
                   f"where [{pk}] = ?", [*map(_sql_value, values.values()), key])


def upsert_row(db: Database, table: str, pk: str, row: dict[str, Any]) -> None:
    cols = list(row)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != pk)
    db.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values "
               f"({', '.join('?' * len(cols))}) on conflict([{pk}]) do update set {updates}",
               [_sql_value(row[c]) for c in cols])


@dataclass
class Store:
    public: Database
    private: Database

    @classmethod
    def open(cls, public_path: Path, private_path: Path) -> Store:
        if public_path.resolve() == private_path.resolve():
            raise ValueError("the public and private databases must be different files")
        return cls(open_db(public_path, schema.public), open_db(private_path, schema.private))

    def close(self) -> None:
        self.public.close()
        self.private.close()

    # ---- notices and their versions -------------------------------------------------

    def save_notice(self, raw: RawRecord, notice: Notice, now: datetime) -> Outcome:
        """Keep the raw payload; add a version when something material changed.

        Re-saving the same payload changes nothing. One transaction, so a crash leaves
        either the whole record or none of it.
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
        """Notices still waiting for a description, justifications first, then likely intents."""
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
        update_row(self.public, "notices", "id", notice_id, values)

    def notices_needing_attachments(self, source: str) -> list[dict[str, Any]]:
        return list(self.public["notices"].rows_where(
            "source = ? and attachments_state = 'pending'", [source],
            order_by="posted_date desc, id"))

    # ---- attachments -----------------------------------------------------------------

    def finished_attachment_ids(self, source: str) -> set[str]:
        """Attachments that need no more work (stored, or known not to be fetchable)."""
        return {r[0] for r in self.public.execute(
            "select id from attachments where id like ? and state in "
            "('stored', 'private', 'link', 'deleted', 'too_large')", [f"{source}:%"])}

    def save_attachment(self, row: dict[str, Any]) -> None:
        upsert_row(self.public, "attachments", "id", row)

    def attachment(self, attachment_id: str) -> dict[str, Any] | None:
        rows = list(self.public["attachments"].rows_where("id = ?", [attachment_id]))
        return rows[0] if rows else None

    def blob_path_for(self, sha256: str) -> str | None:
        row = self.public.execute(
            "select path from attachments where sha256 = ? and path is not null limit 1",
            [sha256]).fetchone()
        return row[0] if row else None

    # ---- cursors, runs, backfill jobs (private) ----------------------------------------

    def cursor(self, source: str) -> dict[str, Any]:
        rows = list(self.private["cursors"].rows_where("source = ?", [source]))
        return json.loads(rows[0]["state"]) if rows else {}

    def set_cursor(self, source: str, state: dict[str, Any], now: datetime) -> None:
        self.private["cursors"].upsert(
            {"source": source, "state": canonical_json(state), "updated_at": iso(now)},
            pk="source")

    def start_run(self, source: str, kind: str, now: datetime) -> int:
        return int(self.private["runs"].insert(
            {"source": source, "kind": kind, "started_at": iso(now), "status": "running",
             "fetched": 0, "new": 0, "updated": 0, "requests": 0}).last_pk)

    def finish_run(self, run_id: int, now: datetime, status: str, error: str | None = None,
                   **counts: int) -> None:
        self.private["runs"].update(run_id, {"finished_at": iso(now), "status": status,
                                             "error": error, **counts})

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.private["runs"].rows_where(order_by="id desc", limit=limit))

    def backfill_jobs(self, source: str, states: tuple[str, ...] = ("pending", "running")
                      ) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(states))
        return list(self.private["backfill_jobs"].rows_where(
            f"source = ? and state in ({marks})", [source, *states], order_by="id"))

    def add_backfill_job(self, source: str, date_from: str, date_to: str, now: datetime) -> int:
        existing = self.private.execute(
            "select id from backfill_jobs where source=? and date_from=? and date_to=? "
            "and state in ('pending','running')", [source, date_from, date_to]).fetchone()
        if existing:
            return int(existing[0])
        return int(self.private["backfill_jobs"].insert({
            "source": source, "date_from": date_from, "date_to": date_to, "offset": 0,
            "state": "pending", "created_at": iso(now), "updated_at": iso(now)}).last_pk)

    def update_backfill_job(self, job_id: int, now: datetime, **values: Any) -> None:
        self.private["backfill_jobs"].update(job_id, {**values, "updated_at": iso(now)})

    def counts(self) -> dict[str, int]:
        q = self.public.execute
        return {
            "notices": q("select count(*) from notices").fetchone()[0],
            "versions": q("select count(*) from notice_versions").fetchone()[0],
            "justifications": q("select count(*) from notices "
                                "where notice_type like '%ustification%'").fetchone()[0],
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
        yield from self.public["notices"].rows_where(order_by="posted_date desc, id")


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
