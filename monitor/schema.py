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


@public()
def m003_browse(db: Database) -> None:
    """Tables shaped for reading in Datasette, kept by the extract stage (monitor/browse.py).

    ``justifications`` holds one row per justification or notice of intent — the latest
    notice of each amendment chain; ``justification_search`` indexes its text and the text of
    its documents; ``evidence`` holds the quote behind each value; ``changes`` what changed
    between versions and amendments. Existing notices are re-extracted once to fill them.
    """
    db["justifications"].create(
        {
            "notice_id": str, "kind": str, "title": str, "posted_date": str, "month": str,
            "agency": str, "department": str, "agency_path": str,
            "vendor": str, "vendor_group": str, "vendor_uei": str,
            "amount_usd": float, "redacted_amount": int, "amount_kind": str,
            "authority": str, "authority_category": str, "citations": str, "rationale": str,
            "next_deadline": str, "response_due": str, "document_kind": str,
            "contract_number": str, "solicitation_number": str, "source": str, "link": str,
            "document": str, "document_url": str, "version": int,
            "previous_notice_id": str, "metadata_disagreements": str, "updated_at": str,
        },
        pk="notice_id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    for columns in (["posted_date"], ["amount_usd"], ["agency"], ["department"],
                    ["vendor_group"], ["authority_category"], ["next_deadline"], ["month"]):
        db["justifications"].create_index(columns)
    db.execute(
        "create virtual table justification_search using fts5("
        "title, agency, vendor, rationale, citations, documents, tokenize='porter unicode61')")
    db["evidence"].create(
        {
            "id": str, "notice_id": str, "document": str, "field": str, "value": str,
            "as_written": str, "quote": str, "page": int, "start": int, "end": int,
            "confidence": float,
        },
        pk="id",
        foreign_keys=[("notice_id", "justifications", "notice_id")],
    )
    db["evidence"].create_index(["notice_id"])
    db["changes"].create(
        {
            "id": str, "notice_id": str, "version": int, "compared_with": str,
            "changed": str, "note": str, "amount_before": float, "amount_after": float,
            "detected_at": str,
        },
        pk="id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["changes"].create_index(["notice_id"])
    db.create_view("vendor_totals", """
        select vendor_group as vendor, count(*) as justifications,
               sum(amount_usd) as total_usd, max(amount_usd) as largest_usd,
               count(distinct agency) as agencies, group_concat(distinct agency) as agency_list,
               min(posted_date) as first_posted, max(posted_date) as last_posted
        from justifications where vendor_group is not null
        group by vendor_group order by total_usd desc, justifications desc""")
    db.create_view("agency_totals", """
        select agency, department, count(*) as justifications,
               sum(authority_category = 'urgency') as urgency,
               sum(kind = 'Notice of intent') as notices_of_intent,
               sum(amount_usd) as total_usd, max(amount_usd) as largest_usd,
               max(posted_date) as last_posted
        from justifications where agency is not null
        group by agency order by justifications desc, total_usd desc""")
    db.execute("update notices set extractor_version = null")


@public()
def m004_amendment_index(db: Database) -> None:
    """Finding the notice that amends another is done for every notice extracted; without
    an index that is a scan of every notice each time (quadratic over a year's backlog)."""
    db["notices"].create_index(["previous_notice_id"])


@private()
def m003_outbox_claims(db: Database) -> None:
    """Outbox claims name their owner (``host:pid:start``) and expire, so a second process
    never sends rows another live process has claimed, while the claims of a killed one
    are taken over. Rows claimed before this migration have no owner: taken over."""
    db["outbox"].add_column("claimed_by", str)
    db["outbox"].add_column("claim_expires", str)


@public()
def m005_awards(db: Database) -> None:
    """Awards from USAspending, linked to the justifications that explain them, and the facts
    solesource states about each pair (issue 16: follow the money).

    ``awards`` holds the latest snapshot of each award (``id`` is USAspending's
    ``generated_unique_award_id``); its raw payload is in ``raw_records`` (source
    ``usaspending``, kind ``award``) and every earlier snapshot whose obligations, ceiling,
    dates or recipient differ is a row in ``award_versions``. ``award_links`` says which
    notice an award belongs to and how it was found (``matched_on``: award_number,
    solicitation_number or contract_number) and whether it is the award itself or its parent
    vehicle (``relation``). ``award_facts`` holds one sourced statement per row, in three
    tiers: primary (the document says), secondary (a SAM.gov or USAspending record says),
    inferential (solesource computed it, ``rule`` saying how); ``flag`` names a fact a
    subscriber can be alerted to (obligations_exceeded, posted_late, record_disagrees).
    """
    db["awards"].create(
        {
            "id": str, "piid": str, "category": str, "type": str, "type_description": str,
            "recipient_name": str, "recipient_uei": str,
            "parent_recipient_name": str, "parent_recipient_uei": str,
            "total_obligation": float, "base_exercised_options": float,
            "base_and_all_options": float,
            "date_signed": str, "pop_start": str, "pop_end": str, "pop_potential_end": str,
            "last_modified_date": str,
            "extent_competed": str, "extent_competed_description": str,
            "other_than_full_and_open": str, "other_than_full_and_open_description": str,
            "fair_opportunity_limited": str, "fair_opportunity_limited_description": str,
            "number_of_offers_received": str, "solicitation_identifier": str,
            "parent_award_id": str, "parent_piid": str,
            "awarding_agency": str, "awarding_sub_agency": str, "awarding_office": str,
            "url": str, "api_url": str,
            "version": int, "sha256": str, "first_seen_at": str, "fetched_at": str,
        },
        pk="id",
    )
    for columns in (["piid"], ["recipient_uei"], ["parent_award_id"]):
        db["awards"].create_index(columns)
    db["award_versions"].create(
        {
            "award_id": str, "version": int, "sha256": str, "seen_at": str,
            "total_obligation": float, "base_and_all_options": float, "date_signed": str,
            "pop_end": str, "recipient_name": str, "last_modified_date": str,
            "changed_fields": str,
        },
        pk=("award_id", "version"),
        foreign_keys=[("award_id", "awards", "id")],
    )
    db["award_links"].create(
        {
            "notice_id": str, "award_id": str, "piid": str, "matched_on": str,
            "relation": str, "linked_at": str,
        },
        pk=("notice_id", "award_id"),
        foreign_keys=[("notice_id", "notices", "id"), ("award_id", "awards", "id")],
    )
    db["award_links"].create_index(["award_id"])
    db["award_facts"].create(
        {
            "id": str, "notice_id": str, "award_id": str, "kind": str, "tier": str,
            "statement": str, "value": str, "flag": str, "rule": str,
            "source_label": str, "source_url": str, "fetched_at": str, "computed_at": str,
        },
        pk="id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    for columns in (["notice_id"], ["award_id"], ["flag"]):
        db["award_facts"].create_index(columns)


@private()
def m004_award_lookups(db: Database) -> None:
    """Which identifiers of which notice to look up in USAspending, and when next: a PIID
    that matches nothing yet is retried (FPDS reaches USAspending days to weeks late, DoD
    90 days); a found award is re-checked often in its first months, rarely after a year."""
    db["award_lookups"].create(
        {
            "notice_id": str, "piid": str, "matched_on": str, "state": str,
            "attempts": int, "first_tried_at": str, "last_checked_at": str,
            "next_check_at": str, "last_error": str,
        },
        pk=("notice_id", "piid"),
    )
    db["award_lookups"].create_index(["next_check_at"])


@private()
def m005_award_events(db: Database) -> None:
    """The award facts (``award_facts`` rows with a ``flag``) already matched against the
    subscriptions: each is matched once, so each subscriber hears of it once."""
    db["matched_events"].create({"fact_id": str, "flag": str, "matched_at": str},
                                pk="fact_id")
