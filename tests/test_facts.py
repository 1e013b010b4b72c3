"""Facts in three tiers (issue 16): the rules as pure functions over generated cases, and
``refresh`` over the demo's justifications with awards written as the USAspending source
writes them."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database

from monitor import facts
from monitor.demo import run_demo
from tests import awards as demo_awards
from tests.awards import (
    CELLEBRITE,
    IMMIGRATION_OS,
    PALANTIR,
    PALANTIR_ORIGINAL,
    SWITCHBLADE,
    SWITCHBLADE_AWARD,
    add_awards,
)

NOW = datetime(2025, 5, 2, 12, tzinfo=UTC)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
amounts = st.floats(min_value=1, max_value=1e12, allow_nan=False, allow_infinity=False)


# --- the rules ---------------------------------------------------------------------------------

@given(days, st.integers(min_value=-400, max_value=4000), st.booleans(),
       st.sampled_from([None, "FAR 6.302-1", "FAR 8.405-6(a)(1)(i)(A)",
                        "FAR 16.505(b)(2)(i)(C)", "41 U.S.C. 3304(a)(2); FAR 6.302-2"]))
def test_posting_lag_is_late_only_past_14_days_or_30_for_urgency(
        signed: date, lag: int, urgency: bool, citations: str | None) -> None:
    result = facts.posting_lag(signed, signed + timedelta(days=lag), citations, urgency)
    assert result.days == lag
    assert result.limit == (30 if urgency else 14)
    assert result.late == (lag > result.limit)
    assert result.rule == ("FAR 8.405-6(a)(2)" if citations and "8.405-6" in citations
                           else "FAR 16.505(b)(2)(ii)(D)" if citations and "16.505" in citations
                           else "FAR 6.305")


@given(days, st.integers(min_value=0, max_value=800))
def test_an_urgency_period_runs_past_one_year_from_the_anniversary_on(start: date,
                                                                       length: int) -> None:
    end = start + timedelta(days=length)
    anniversary = facts.add_years(start, 1)
    assert 365 <= (anniversary - start).days <= 366
    assert facts.runs_past_one_year(start, end) == (end >= anniversary)


def test_one_year_from_29_february() -> None:
    assert facts.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert not facts.runs_past_one_year(date(2024, 3, 1), date(2025, 2, 28))
    assert facts.runs_past_one_year(date(2024, 3, 1), date(2025, 3, 1))


@given(amounts, amounts)
def test_percent_of_is_the_rounded_ratio_and_over_100_exactly_when_exceeded(
        obligated: float, justified: float) -> None:
    pct = facts.percent_of(obligated, justified)
    assert abs(pct - obligated * 100 / justified) <= 0.5 + 1e-9 * pct
    if obligated < justified * 0.995:
        assert pct < 100
    if obligated > justified * 1.005:
        assert pct > 100


def test_percent_of_refuses_a_zero_whole() -> None:
    with pytest.raises(ValueError):
        facts.percent_of(1, 0)


@given(st.floats(min_value=0, max_value=1e13, allow_nan=False))
def test_short_money_keeps_three_significant_digits(amount: float) -> None:
    text = facts.short_money(amount)
    assert text.startswith("$")
    scale = {"B": 1e9, "M": 1e6, "K": 1e3}.get(text[-1], 1)
    number = float(text[1:].rstrip("BMK").replace(",", "")) * scale
    assert abs(number - amount) <= max(0.5, amount * 0.006)


def test_short_money_examples() -> None:
    assert [facts.short_money(v) for v in (41_200_000, 29_800_000, 1_150_000, 950,
                                           45_000_000, 1_000_000_000, 999_999)] == [
        "$41.2M", "$29.8M", "$1.15M", "$950", "$45M", "$1B", "$1M"]


@pytest.mark.parametrize(("category", "citations", "basis"), [
    ("urgency", "41 U.S.C. 3304(a)(2); FAR 6.302-2", "urgency"),
    ("only_one_source", "FAR 6.302-1", "only_one_source"),
    ("fair_opportunity_exception_16_505", "FAR 16.505(b)(2)(i)(C)", "follow_on"),
    ("fair_opportunity_exception_16_505", "FAR 16.505(b)(2)(i)(A)", "urgency"),
    ("fss_limited_sources_8_405_6", "FAR 8.405-6(a)(1)(i)(A)", "urgency"),
    ("fss_limited_sources_8_405_6", "FAR 8.405-6(b)", "only_one_source"),
    ("urgency", "FAR 6.103-2", "urgency"),
    ("other", None, None),
])
def test_document_basis(category: str, citations: str | None, basis: str | None) -> None:
    assert facts.document_basis(category, citations) == basis


def test_award_basis_reads_an_orders_own_reason_first() -> None:
    order = {"parent_award_id": "CONT_IDV_X", "other_than_full_and_open": "ONE",
             "fair_opportunity_limited": "urg"}
    assert facts.award_basis(order) == ("fair_opportunity_limited", "URG", "urgency")
    contract = {"other_than_full_and_open": "URG ", "fair_opportunity_limited": None}
    assert facts.award_basis(contract) == ("other_than_full_and_open", "URG", "urgency")
    assert facts.award_basis({"other_than_full_and_open": "ZZZ"}) == (
        "other_than_full_and_open", "ZZZ", None)
    assert facts.award_basis({}) is None


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_reason_and_vendor_rules_take_any_record_text(code: str, name: str, uei: str) -> None:
    award = {"other_than_full_and_open": code, "fair_opportunity_limited": code,
             "parent_award_id": name or None, "recipient_name": name, "recipient_uei": uei}
    basis = facts.award_basis(award)
    assert basis is None or basis[2] in (None, *facts.BASIS_WORDS)
    assert facts.same_vendor(name or None, uei or None, award) in (True, False, None)
    assert facts.document_basis(code, name) in (None, *facts.BASIS_WORDS)


def test_same_vendor_by_uei_then_by_name() -> None:
    award = {"recipient_name": "PALANTIR USG INC", "recipient_uei": "N6KLLMQ7KUB5",
             "parent_recipient_name": "PALANTIR TECHNOLOGIES INC.",
             "parent_recipient_uei": "QBLKMXZ6LJL8"}
    assert facts.same_vendor("Palantir Technologies Inc.", None, award)
    assert facts.same_vendor("Anyone", "qblkmxz6ljl8", award)  # the parent's UEI
    assert not facts.same_vendor("Palantir Technologies Inc.", "AAAAAAAAAAAA", award)
    assert not facts.same_vendor("Anduril Industries", None, award)
    assert facts.same_vendor(None, None, award) is None


# --- refresh over the demo database ---------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out / "solesource.db"


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "solesource.db"
    shutil.copy(demo_db, copy)
    database = Database(copy)
    add_awards(database)
    yield database
    database.close()


def by_kind(found: list[facts.Fact], award_id: str | None = None) -> dict[str, facts.Fact]:
    return {f.kind: f for f in found if award_id is None or f.award_id in (award_id, None)}


def test_award_rows_of_the_tests_have_every_column_of_the_schema(db: Database) -> None:
    assert {c.name for c in db["awards"].columns} == set(demo_awards.AWARDS[0])


def test_immigration_os_obligations_passed_the_justified_amount(db: Database) -> None:
    """Linked to the original notice; the facts are the amendment's, which shows it."""
    db["award_facts"].insert({"id": "stale", "notice_id": PALANTIR_ORIGINAL})
    found = facts.refresh(db, PALANTIR_ORIGINAL, NOW)
    rows = list(db.query("select * from award_facts where notice_id in (?, ?)",
                         [PALANTIR, PALANTIR_ORIGINAL]))
    assert {r["notice_id"] for r in rows} == {PALANTIR}
    assert len(rows) == len(found)
    kinds = by_kind(found, IMMIGRATION_OS)
    money = kinds["obligations_vs_justified"]
    assert money.tier == "inferential" and money.flag == "obligations_exceeded"
    assert money.statement == "obligated $41.2M = 138% of the $29.8M justified"
    assert "divided by" in (money.rule or "")
    assert money.source_url == f"https://www.usaspending.gov/award/{IMMIGRATION_OS}"
    amount = kinds["justified_amount"]
    assert amount.tier == "primary" and amount.value == "29800000"
    assert "estimated value of this modification is $29,800,000" in amount.statement
    assert amount.source_url and amount.source_url.startswith("/-/attachment/")
    obligated = kinds["award_obligated"]
    assert obligated.tier == "secondary" and obligated.fetched_at == demo_awards.FETCHED
    reason = kinds["reason_vs_authority"]
    assert reason.value == "agrees" and reason.flag is None
    lag = kinds["posting_lag"]  # the award's first signature, not the modification's
    assert lag.flag is None and "modification" in lag.statement + (lag.rule or "")
    assert "FAR 6.302-2(d)(1)" in kinds["urgency_period"].statement
    later = kinds["later_awards"]
    assert later.value == "1" and "70CMSD25C00000099" in later.statement
    vehicle = [f for f in found if f.award_id == demo_awards.VEHICLE]
    assert vehicle and all(f.tier == "secondary" for f in vehicle)  # no sums over a vehicle
    assert kinds["recipient_vs_vendor"].value == "same"


def test_a_justification_posted_49_days_after_award_is_late(db: Database) -> None:
    kinds = by_kind(facts.refresh(db, CELLEBRITE, NOW))
    lag = kinds["posting_lag"]
    assert lag.flag == "posted_late" and lag.value == "49"
    assert lag.statement == "posted 49 days after award; FAR 8.405-6(a)(2) allows 14"
    assert kinds["reason_vs_authority"].value == "agrees"  # BND ↔ 8.405-6(b)
    assert "obligations_vs_justified" not in kinds  # the amount is redacted


def test_record_and_document_disagree_on_the_reason(db: Database) -> None:
    kinds = by_kind(facts.refresh(db, SWITCHBLADE, NOW), SWITCHBLADE_AWARD)
    reason = kinds["reason_vs_authority"]
    assert reason.flag == "record_disagrees"
    assert "URG" in reason.statement and "FAR 6.302-1" in reason.statement
    assert kinds["posting_lag"].flag is None and kinds["posting_lag"].value == "14"
    assert kinds["obligations_vs_justified"].flag is None


def test_refresh_is_idempotent_and_follows_the_records(db: Database) -> None:
    facts.refresh(db, SWITCHBLADE, NOW)
    first = list(db.query("select * from award_facts order by id"))
    later = NOW + timedelta(days=3)
    facts.refresh(db, SWITCHBLADE, later)
    assert list(db.query("select * from award_facts order by id")) == first
    db["awards"].update(SWITCHBLADE_AWARD, {"total_obligation": 13_000_000.0,
                                            "fetched_at": "2025-05-04T06:00:00+00:00"})
    found = by_kind(facts.refresh(db, SWITCHBLADE, later))
    assert found["obligations_vs_justified"].flag == "obligations_exceeded"
    rows = {r["id"]: r for r in db.query("select * from award_facts")}
    assert set(rows) == {r["id"] for r in first}  # the same stable ids
    money = rows[f"{SWITCHBLADE}|obligations_vs_justified|-"]
    assert money["computed_at"] == later.isoformat() and money["flag"] == "obligations_exceeded"
    unchanged = f"{SWITCHBLADE}|cited_authority|-"
    assert rows[unchanged]["computed_at"] == next(r["computed_at"] for r in first
                                                  if r["id"] == unchanged)
    db.execute("delete from award_links where notice_id = ?", [SWITCHBLADE])
    left = facts.refresh(db, SWITCHBLADE, later)
    assert all(f.award_id is None for f in left)
    assert db.execute("select count(*) from award_facts where award_id is not null"
                      ).fetchone()[0] == 0


def test_a_notice_of_intent_posted_after_award_is_not_late(db: Database) -> None:
    """FAR 6.305's window is for justifications; a notice of intent is not flagged."""
    firefly = "samgov:da5e59471514ef2a4150e5ee46e9073b"
    db["award_links"].insert({"notice_id": firefly, "award_id": SWITCHBLADE_AWARD,
                              "relation": "award"})
    lag = by_kind(facts.refresh(db, firefly, NOW))["posting_lag"]
    assert lag.flag is None and lag.value == "40"
    assert lag.statement == "notice of intent posted 40 days after the award was signed"


def test_a_notice_no_justification_shows_has_no_facts(db: Database) -> None:
    db["award_facts"].insert({"id": "samgov:nope|x|-", "notice_id": "samgov:nope"})
    assert facts.refresh(db, "samgov:nope", NOW) == []
    assert db.execute("select count(*) from award_facts where notice_id = 'samgov:nope'"
                      ).fetchone()[0] == 0


def test_the_extract_stage_writes_the_documents_facts(demo_db: Path) -> None:
    """Before any award is linked, each justification already has its primary and SAM.gov
    facts (kept by the extract stage, so they follow a re-read document)."""
    database = Database(demo_db)
    kinds = {r["kind"] for r in database.query(
        "select kind from award_facts where notice_id = ?", [SWITCHBLADE])}
    database.close()
    assert {"justified_amount", "cited_authority", "document_vendor", "posted"} <= kinds


def test_every_fact_has_a_tier_and_a_source(db: Database) -> None:
    for notice in (PALANTIR, CELLEBRITE, SWITCHBLADE):
        facts.refresh(db, notice, NOW)
    rows = list(db.query("select * from award_facts"))
    assert {r["tier"] for r in rows} == set(facts.TIERS)
    for row in rows:
        assert row["statement"] and row["source_label"], row
        assert row["source_url"], row
        if row["tier"] == "inferential":
            assert row["rule"], row
        if row["tier"] == "secondary":
            assert row["fetched_at"], row
    conn = sqlite3.connect(db.conn.execute("pragma database_list").fetchone()[2])
    assert conn.execute("pragma foreign_key_check(award_facts)").fetchall() == []
    conn.close()
