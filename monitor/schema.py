"""Every table, index and view, as append-only migrations (never edit an applied one).

Two databases, so nothing private can be served by accident:
- public  (``solesource.db``): notices, their versions, raw payloads, attachments metadata.
  This is the file Datasette serves.
- private (``private.db``): runs, source cursors, the quota ledger, backfill jobs; later
  subscribers, subscriptions, outbox and deliveries.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

public = Migrations("solesource-public")
private = Migrations("solesource-private")


@public()
def m001_notices(db: Database) -> None:
    db["raw_records"].create(
        {
            "source": str, "source_id": str, "sha256": str, "kind": str,
            "payload": str, "fetched_at": str,
        },
        pk=("source", "source_id", "sha256"),
    )
    db["notices"].create(
        {
            "id": str, "source": str, "source_id": str, "version": int,
            "title": str, "notice_type": str, "base_type": str,
            "posted_date": str, "response_deadline": str, "archive_date": str,
            "solicitation_number": str, "award_number": str, "awardee": str,
            "awardee_uei": str, "award_amount": str, "authority_code": str,
            "agency_path": str, "agency_code": str, "naics": str, "psc": str,
            "set_aside": str, "url": str, "attachment_urls": str, "active": int,
            "description": str, "description_state": str,
            "attachments_state": str, "extraction_state": str,
            "family_key": str, "previous_notice_id": str, "parent_notice_id": str,
            "content_sha256": str, "raw_sha256": str,
            "first_seen_at": str, "updated_at": str, "fields": str,
        },
        pk="id",
    )
    db["notices"].create_index(["family_key"])
    db["notices"].create_index(["posted_date"])
    db["notices"].create_index(["description_state"])
    db["notices"].create_index(["attachments_state"])
    db["notice_versions"].create(
        {
            "notice_id": str, "version": int, "content_sha256": str, "raw_sha256": str,
            "seen_at": str, "title": str, "notice_type": str, "posted_date": str,
            "response_deadline": str, "award_number": str, "awardee": str,
            "award_amount": str, "changed_fields": str, "fields": str,
        },
        pk=("notice_id", "version"),
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["notice_versions"].create_index(["notice_id", "content_sha256"], unique=True)
    db["attachments"].create(
        {
            "id": str, "notice_id": str, "resource_id": str, "from_notice_id": str,
            "filename": str, "declared_mime": str, "declared_size": int, "access_level": str,
            "media_type": str, "size": int, "sha256": str, "path": str,
            "state": str, "problem": str, "source_url": str, "fetched_at": str,
        },
        pk="id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["attachments"].create_index(["notice_id"])
    db["attachments"].create_index(["state"])
    db["attachments"].create_index(["sha256"])
    db["notices"].enable_fts(["title", "description", "awardee"], create_triggers=True)


@private()
def m001_operations(db: Database) -> None:
    db["runs"].create(
        {
            "id": int, "source": str, "kind": str, "started_at": str, "finished_at": str,
            "status": str, "fetched": int, "new": int, "updated": int, "requests": int,
            "error": str,
        },
        pk="id",
    )
    db["cursors"].create({"source": str, "state": str, "updated_at": str}, pk="source")
    db["quota"].create(
        {"key_id": str, "day": str, "used": int, "budget": int, "blocked_until": str},
        pk=("key_id", "day"),
    )
    db["backfill_jobs"].create(
        {
            "id": int, "source": str, "date_from": str, "date_to": str, "offset": int,
            "state": str, "created_at": str, "updated_at": str, "total": int,
        },
        pk="id",
    )


@public()
def m002_extractions(db: Database) -> None:
    """What the extractors read out of each notice version and each of its documents."""
    db["extractions"].create(
        {
            "id": str, "notice_id": str, "notice_version": int, "attachment_id": str,
            "source_document": str, "extractor_version": int, "status": str, "problems": str,
            "doc_kind": str, "vendor": str, "vendor_uei": str, "amount_usd": float,
            "amount_text": str, "redacted_amount": int, "authority_category": str,
            "authority_citations": str, "rationale": str, "next_deadline": str,
            "response_due": str, "agency": str, "result": str, "extracted_at": str,
        },
        pk="id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["extractions"].create_index(["notice_id"])
    for column, kind in (
        ("notice_class", str), ("notice_class_reason", str), ("doc_kind", str),
        ("vendor", str), ("amount_usd", float), ("redacted_amount", int),
        ("authority_category", str), ("authority_citations", str), ("rationale", str),
        ("next_deadline", str), ("response_due", str), ("agency_normalized", str),
        ("agency_hierarchy", str), ("metadata_disagreements", str), ("extractor_version", int),
    ):
        db["notices"].add_column(column, kind)
    db["notices"].create_index(["notice_class"])
    db["notices"].create_index(["extraction_state"])


@private()
def m002_subscriptions(db: Database) -> None:
    """Subscribers and what they asked for; the outbox the deliverer works; every attempt."""
    db["subscribers"].create({"id": int, "name": str, "email": str, "timezone": str,
                              "created_at": str}, pk="id")
    db["subscribers"].create_index(["name"], unique=True)
    db["subscriptions"].create(
        {
            "id": int, "subscriber_id": int, "name": str, "channel": str, "target": str,
            "secret": str, "filters": str, "cadence": str, "hour": int, "weekday": int,
            "reminder_days": int, "state": str, "disabled_reason": str, "created_at": str,
            "updated_at": str,
        },
        pk="id", foreign_keys=[("subscriber_id", "subscribers", "id")],
    )
    db["outbox"].create(
        {
            "id": int, "key": str, "subscription_id": int, "notice_id": str, "family": str,
            "kind": str, "reason": str, "change": str, "snapshot": str, "due_at": str,
            "state": str, "attempts": int, "next_attempt_at": str, "first_attempt_at": str,
            "last_error": str, "message_key": str, "created_at": str, "sent_at": str,
        },
        pk="id", foreign_keys=[("subscription_id", "subscriptions", "id")],
    )
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["state", "due_at"])
    db["deliveries"].create(
        {
            "id": int, "subscription_id": int, "message_key": str, "outbox_ids": str,
            "attempted_at": str, "ok": int, "status": int, "error": str, "target": str,
        },
        pk="id",
    )
    db["sent_state"].create({"subscription_id": int, "family": str, "snapshot": str,
                             "updated_at": str}, pk=("subscription_id", "family"))
    db["matched"].create({"notice_id": str, "version": int, "matched_at": str},
                         pk=("notice_id", "version"))
    db["secrets"].create({"name": str, "value": str, "created_at": str}, pk="name")
