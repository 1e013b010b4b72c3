"""Sourced facts about a justification and the awards linked to it, in three tiers.

``refresh(db, notice_id, now)`` rewrites the ``award_facts`` rows of one justification from
its ``justifications`` row, its ``evidence``, its ``notices`` row and its linked ``awards``:

- *primary*: what the justification itself says (the value and its quote);
- *secondary*: what a SAM.gov or USAspending record says (its URL, when it was fetched);
- *inferential*: what solesource computed from those, with the rule in words
  ("obligated $41.2M = 138% of the $29.8M justified").

The rules (``percent_of``, ``posting_lag``, ``runs_past_one_year``, ``award_basis``,
``document_basis``) are pure functions. Fact ids are stable (notice, kind, award), so a
second refresh over the same rows writes the same rows, ``computed_at`` included.
All writes happen inside the caller's transaction.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from extractors import amount_kind_words, name_key
from monitor.store import iso, upsert_row

PRIMARY, SECONDARY, INFERENTIAL = "primary", "secondary", "inferential"
TIERS = (PRIMARY, SECONDARY, INFERENTIAL)
OBLIGATIONS_EXCEEDED, POSTED_LATE, RECORD_DISAGREES = (
    "obligations_exceeded", "posted_late", "record_disagrees")
USASPENDING_AWARD = "https://www.usaspending.gov/award/{}"
QUOTE_CHARS = 300


@dataclass(frozen=True)
class Fact:
    """One sourced statement. ``tier`` is primary, secondary or inferential; ``flag`` names a
    fact a subscriber can be alerted to; ``rule`` says how an inferential fact was computed;
    ``source_url`` and ``fetched_at`` say where the statement can be checked and when that
    source was read."""
    kind: str
    tier: str
    statement: str
    value: str | None = None
    flag: str | None = None
    rule: str | None = None
    source_label: str | None = None
    source_url: str | None = None
    fetched_at: str | None = None
    award_id: str | None = None

    def row_id(self, notice_id: str) -> str:
        """Stable id: the same notice, kind and award always give the same row."""
        return f"{notice_id}|{self.kind}|{self.award_id or '-'}"


# --- pure rules ------------------------------------------------------------------------------

def short_money(amount: float) -> str:
    """``41_200_000`` → ``"$41.2M"``, ``1_150_000`` → ``"$1.15M"`` (three significant
    digits, trailing zeros dropped); below $1,000 the whole dollars (``"$950"``)."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        value = amount / size
        if round(value, 2) >= 1:
            places = 0 if value >= 99.95 else 1 if value >= 9.995 else 2
            text = f"{value:.{places}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{sign}${text}{suffix}"
    return f"{sign}${amount:,.0f}"


def percent_of(part: float, whole: float) -> int:
    """``part`` as a whole percentage of ``whole`` (> 0), rounded half up."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    return math.floor(part * 100 / whole + 0.5)


@dataclass(frozen=True)
class Lag:
    """Days from award to posting (negative: posted before the award) against the limit."""
    days: int
    limit: int
    rule: str  # the FAR paragraph that sets the limit

    @property
    def late(self) -> bool:
        return self.days > self.limit


def posting_rule(citations: str | None, urgency: bool) -> tuple[str, int]:
    """The FAR paragraph that says when this justification had to be posted, and its days:
    14 after award (30 for urgency) under FAR 6.305, 8.405-6(a)(2) and 16.505(b)(2)(ii)(D)."""
    cites = citations or ""
    rule = ("FAR 8.405-6(a)(2)" if "8.405-6" in cites
            else "FAR 16.505(b)(2)(ii)(D)" if "16.505" in cites else "FAR 6.305")
    return rule, 30 if urgency else 14


def posting_lag(signed: date, posted: date, citations: str | None, urgency: bool) -> Lag:
    """Days between the award's signature and the justification's posting, with the limit
    that applied to it. Pure."""
    rule, limit = posting_rule(citations, urgency)
    return Lag((posted - signed).days, limit, rule)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def runs_past_one_year(start: date, end: date) -> bool:
    """Whether a period of performance from ``start`` to ``end`` (inclusive) runs past one
    year, the most FAR 6.302-2(d)(1) allows an urgency contract without a determination."""
    return end >= add_years(start, 1)


URGENCY_CITES = re.compile(r"6\.302-2|6\.103-2|16\.505\(b\)\(2\)\(i\)\(A\)|"
                           r"8\.405-6\(a\)\(1\)\(i\)\(A\)")
FAIR_OPPORTUNITY = {"A": "urgency", "B": "only_one_source", "C": "follow_on",
                    "D": "minimum_guarantee", "E": "statute", "F": "small_business"}
LIMITED_SOURCES = {"A": "urgency", "B": "only_one_source", "C": "follow_on"}
CATEGORY_BASIS = {
    "urgency": "urgency", "only_one_source": "only_one_source",
    "industrial_mobilization_or_expert": "mobilization_expert",
    "international_agreement": "international_agreement",
    "authorized_by_statute": "statute", "sba_8a": "statute",
    "national_security": "national_security", "public_interest": "public_interest",
    "simplified_sole_source_13_106": "simplified",
}
# USAspending's other_than_full_and_open codes (gsdm_maps) and the FAR 6.302 paragraph each is
OTHER_THAN_FULL_AND_OPEN = {
    "UNQ": "only_one_source", "FOC": "only_one_source", "UR": "only_one_source",
    "PDR": "only_one_source", "UT": "only_one_source", "STD": "only_one_source",
    "ONE": "only_one_source", "BND": "only_one_source", "URG": "urgency",
    "MES": "mobilization_expert", "IA": "international_agreement", "OTH": "statute",
    "RES": "statute", "NS": "national_security", "PI": "public_interest",
    "MPT": "simplified", "SP2": "simplified",
}
FAIR_OPPORTUNITY_LIMITED = {
    "URG": "urgency", "ONE": "only_one_source", "FOO": "follow_on",
    "MG": "minimum_guarantee", "OSA": "statute", "SS": "small_business",
    "FAIR": "competed", "CSA": "competed",
}
BASIS_WORDS = {
    "urgency": "unusual and compelling urgency", "only_one_source": "only one source",
    "follow_on": "a logical follow-on", "minimum_guarantee": "a minimum guarantee",
    "statute": "authorized or required by statute", "small_business": "a small-business "
    "sole source", "mobilization_expert": "industrial mobilization or expert services",
    "international_agreement": "an international agreement",
    "national_security": "national security", "public_interest": "the public interest",
    "simplified": "simplified acquisition", "competed": "fair opportunity given (competed)",
}


def document_basis(category: str | None, citations: str | None) -> str | None:
    """The reason the justification gives, in the vocabulary ``award_basis`` uses: from the
    paragraph it cites under FAR 16.505(b)(2)(i) or 8.405-6(a)(1)(i), else its category."""
    cites = citations or ""
    m = re.search(r"16\.505\(b\)\(2\)\(i\)\(([A-F])\)", cites)
    if m:
        return FAIR_OPPORTUNITY[m.group(1)]
    m = re.search(r"8\.405-6\(a\)\(1\)\(i\)\(([A-C])\)", cites)
    if m:
        return LIMITED_SOURCES[m.group(1)]
    if "8.405-6(b)" in cites:  # items peculiar to one manufacturer: USAspending's BND
        return "only_one_source"
    if URGENCY_CITES.search(cites):
        return "urgency"
    return CATEGORY_BASIS.get(category or "")


def award_basis(award: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """(field, code, basis) of the award's reason not competed: an order's own
    ``fair_opportunity_limited`` when it has one (it inherits its vehicle's
    ``other_than_full_and_open``), else ``other_than_full_and_open``. None when neither."""
    fair = (award.get("fair_opportunity_limited") or "").strip().upper()
    if fair and award.get("parent_award_id"):
        return "fair_opportunity_limited", fair, FAIR_OPPORTUNITY_LIMITED.get(fair)
    other = (award.get("other_than_full_and_open") or "").strip().upper()
    if other:
        return "other_than_full_and_open", other, OTHER_THAN_FULL_AND_OPEN.get(other)
    if fair:
        return "fair_opportunity_limited", fair, FAIR_OPPORTUNITY_LIMITED.get(fair)
    return None


def same_vendor(document_name: str | None, document_uei: str | None,
                award: dict[str, Any]) -> bool | None:
    """Whether the award went to the vendor the document names: by UEI when both are known
    (the recipient's or its parent's), else by name (one name's words start or end the
    other's, legal suffixes aside). None when the document names no vendor."""
    ueis = {u.upper() for u in (award.get("recipient_uei"), award.get("parent_recipient_uei"))
            if u}
    if document_uei and ueis:
        return document_uei.upper() in ueis
    if not document_name:
        return None
    mine = name_key(document_name)
    for name in (award.get("recipient_name"), award.get("parent_recipient_name")):
        theirs = name_key(name or "")
        if mine and theirs and _overlaps(mine, theirs):
            return True
    return False


def _overlaps(a: str, b: str) -> bool:
    short, long = sorted((a.split(), b.split()), key=len)
    return long[: len(short)] == short or long[-len(short):] == short or short[0] == long[0]


def parse_day(value: Any) -> date | None:
    """The date at the start of an ISO date or timestamp; None for anything else."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# --- gathering --------------------------------------------------------------------------------

MODIFICATION = re.compile(r"\bmodification\b|\bmod(?:\.|\s+no\.?|\s+\d)", re.I)


def refresh(db: Database, notice_id: str, now: datetime) -> list[Fact]:
    """Recompute and rewrite the ``award_facts`` of the justification that shows
    ``notice_id`` (itself, or the latest notice of its amendment chain). Links to any notice
    of the chain count. Returns the facts written; [] (and no rows) when no justification
    shows the notice. Idempotent: unchanged facts keep their row and ``computed_at``."""
    shown = _shown_notice(db, notice_id)
    chain = _chain(db, shown) if shown else [notice_id]
    facts = gather(db, shown) if shown else []
    keep = {f.row_id(shown): f for f in facts} if shown else {}
    placeholders = ", ".join("?" * len(chain))
    old = {r["id"]: r for r in _rows(db, f"select * from award_facts where notice_id in "
                                         f"({placeholders})", chain)}
    for row_id in old.keys() - keep.keys():
        db.execute("delete from award_facts where id = ?", [row_id])
    for row_id, fact in keep.items():
        row = {"id": row_id, "notice_id": shown, **asdict(fact)}
        before = old.get(row_id)
        unchanged = before is not None and all(before.get(k) == v for k, v in row.items())
        row["computed_at"] = before["computed_at"] if unchanged and before else iso(now)
        if not unchanged:
            upsert_row(db, "award_facts", "id", row)
    return facts


def refresh_stale(db: Database, now: datetime) -> int:
    """Restate the facts of every notice with an award stored or linked after its facts were
    last written, or with none yet: a run killed between storing an award and restating its
    facts leaves no gap behind. Returns how many notices were looked at. Idempotent."""
    stale = [r[0] for r in db.execute(
        "select distinct l.notice_id from award_links l join awards a on a.id = l.award_id "
        "where max(coalesce(a.fetched_at, ''), coalesce(l.linked_at, '')) > coalesce("
        "(select max(f.computed_at) from award_facts f where f.notice_id = l.notice_id), '')"
    ).fetchall()]
    for notice_id in stale:
        refresh(db, notice_id, now)
    return len(stale)


def gather(db: Database, notice_id: str) -> list[Fact]:
    """Every fact about the justification ``notice_id`` and its linked awards. Reads only."""
    j = _one(db, "select * from justifications where notice_id = ?", [notice_id])
    if j is None:
        return []
    notice = _one(db, "select * from notices where id = ?", [notice_id]) or {}
    evidence = _rows(db, "select * from evidence where notice_id = ? order by rowid",
                     [notice_id])
    chain = _chain(db, notice_id)
    links = _rows(db, "select l.relation, l.matched_on, a.* from award_links l join awards a"
                      f" on a.id = l.award_id where l.notice_id in ({', '.join('?' * len(chain))})"
                      " order by a.date_signed, a.id", chain)
    seen: set[str] = set()
    links = [a for a in links if not (a["id"] in seen or seen.add(a["id"]))]
    source = _document_source(db, j)
    facts = primary_facts(j, evidence, source) + sam_facts(j, notice)
    direct = [a for a in links if a.get("relation") != "parent"]
    for award in links:
        facts += award_facts(award)
    facts += money_facts(j, direct)
    for award in direct:
        facts += award_inferences(db, j, award, chain)
    return facts


def primary_facts(j: dict[str, Any], evidence: list[dict[str, Any]],
                  source: tuple[str | None, str | None, str | None]) -> list[Fact]:
    """What the justification says: its amount, authority and vendor, each with its quote."""
    label, url, fetched = source
    quotes = {}
    for e in evidence:
        quotes.setdefault(e["field"], e)

    def quoted(field: str) -> str:
        e = quotes.get(field)
        if not e or not e.get("quote"):
            return ""
        text = " ".join(str(e["quote"]).split())
        if len(text) > QUOTE_CHARS:
            text = text[: QUOTE_CHARS - 1].rstrip() + "…"
        page = f" (page {e['page']})" if e.get("page") else ""
        return f": “{text}”{page}"

    out = []
    common = {"tier": PRIMARY, "source_label": label, "source_url": url, "fetched_at": fetched}
    if j.get("amount_usd") is not None:
        kind = f" ({amount_kind_words(j['amount_kind'])})" if j.get("amount_kind") else ""
        out.append(Fact("justified_amount", statement=f"The justification states "
                        f"{short_money(j['amount_usd'])}{kind}{quoted('amount')}",
                        value=_number(j["amount_usd"]), **common))
    elif j.get("redacted_amount"):
        out.append(Fact("justified_amount", statement="The justification redacts its amount",
                        value=None, **common))
    if j.get("authority") or j.get("citations"):
        cited = j.get("citations") or j["authority"]
        words = f" ({j['authority']})" if j.get("authority") and j.get("citations") else ""
        out.append(Fact("cited_authority", statement=f"The justification cites {cited}{words}"
                        f"{quoted('authority')}", value=j.get("authority_category"), **common))
    if j.get("vendor"):
        uei = f" (UEI {j['vendor_uei']})" if j.get("vendor_uei") else ""
        out.append(Fact("document_vendor", statement=f"The justification names "
                        f"{j['vendor']}{uei}{quoted('vendor')}", value=j["vendor"], **common))
    return out


def sam_facts(j: dict[str, Any], notice: dict[str, Any]) -> list[Fact]:
    """What the SAM.gov (or Federal Register) record says: when it was posted, and the
    award number, awardee and amount when the notice gives them."""
    if not j.get("posted_date"):
        return []
    where = j.get("source") or "SAM.gov"
    url = j.get("link") if str(j.get("link") or "").startswith(("https://", "http://")) else None
    common = {"tier": SECONDARY, "source_label": f"the notice on {where}", "source_url": url,
              "fetched_at": notice.get("updated_at") or notice.get("first_seen_at")}
    out = [Fact("posted", statement=f"{where} shows the {j['kind'].lower()} posted on "
                f"{j['posted_date']}", value=j["posted_date"], **common)]
    parts = []
    if notice.get("award_number"):
        parts.append(f"award {notice['award_number']}")
    if notice.get("awardee"):
        parts.append(f"to {notice['awardee']}")
    if notice.get("award_amount"):
        parts.append(f"for {notice['award_amount']}")
    if parts:
        out.append(Fact("notice_award", statement=f"{where} records " + " ".join(parts),
                        value=notice.get("award_number"), **common))
    return out


def award_facts(a: dict[str, Any]) -> list[Fact]:
    """What USAspending's record of one award says: obligations, ceiling, signature and
    period of performance, recipient and the reason not competed."""
    url = a.get("url") or USASPENDING_AWARD.format(a["id"])
    what = "vehicle" if a.get("relation") == "parent" else "award"
    common = {"tier": SECONDARY, "source_label": f"USAspending {what} {a.get('piid') or a['id']}",
              "source_url": url, "fetched_at": a.get("fetched_at"), "award_id": a["id"]}
    name = f"{what} {a.get('piid') or a['id']}"
    out = []
    if a.get("total_obligation") is not None:
        obligated = short_money(a["total_obligation"])
        out.append(Fact("award_obligated", statement=f"USAspending: {obligated} obligated to "
                        f"date on {name}", value=_number(a["total_obligation"]), **common))
    if a.get("base_and_all_options") is not None:
        out.append(Fact("award_ceiling", statement=f"USAspending: ceiling (base and all options) "
                        f"{short_money(a['base_and_all_options'])} on {name}",
                        value=_number(a["base_and_all_options"]), **common))
    if a.get("date_signed"):
        period = ""
        if a.get("pop_start") and (a.get("pop_potential_end") or a.get("pop_end")):
            period = (f"; performance {a['pop_start'][:10]} to "
                      f"{(a.get('pop_potential_end') or a['pop_end'])[:10]}")
        out.append(Fact("award_signed", statement=f"USAspending: {name} signed "
                        f"{a['date_signed'][:10]}{period}", value=a["date_signed"][:10], **common))
    if a.get("recipient_name"):
        uei = f" (UEI {a['recipient_uei']})" if a.get("recipient_uei") else ""
        parent = ""
        if a.get("parent_recipient_name") and a["parent_recipient_name"] != a["recipient_name"]:
            parent = f", parent {a['parent_recipient_name']}"
        out.append(Fact("award_recipient", statement=f"USAspending: {name} went to "
                        f"{a['recipient_name']}{uei}{parent}", value=a.get("recipient_uei")
                        or a["recipient_name"], **common))
    basis = award_basis(a)
    if basis:
        field, code, _ = basis
        described = (a.get(f"{field}_description") or "").strip()
        out.append(Fact("award_reason", statement=f"USAspending: reason not competed on {name}: "
                        f"{described or code} ({field} = {code})", value=code, **common))
    return out


def money_facts(j: dict[str, Any], direct: list[dict[str, Any]]) -> list[Fact]:
    """Obligations to date and ceiling against the justified amount, over the awards the
    justification explains (not their parent vehicles)."""
    justified = j.get("amount_usd")
    if not direct or not justified or justified <= 0:
        return []
    names = ", ".join(a.get("piid") or a["id"] for a in direct)
    src = {"source_label": f"USAspending {names}", "fetched_at": max(
        (a.get("fetched_at") or "" for a in direct), default=None) or None,
        "source_url": direct[0].get("url") or USASPENDING_AWARD.format(direct[0]["id"])}
    out = []
    obligated = [a["total_obligation"] for a in direct if a.get("total_obligation") is not None]
    if obligated:
        total = sum(obligated)
        pct = percent_of(total, justified)
        over = total > justified
        out.append(Fact(
            "obligations_vs_justified", INFERENTIAL,
            f"obligated {short_money(total)} = {pct}% of the {short_money(justified)} justified",
            value=str(pct), flag=OBLIGATIONS_EXCEEDED if over else None,
            rule=f"USAspending's total obligation on {names} divided by the amount the "
                 "justification states; flagged when obligations exceed it", **src))
    ceilings = [a["base_and_all_options"] for a in direct
                if a.get("base_and_all_options") is not None]
    if ceilings:
        total = sum(ceilings)
        pct = percent_of(total, justified)
        out.append(Fact(
            "ceiling_vs_justified", INFERENTIAL,
            f"ceiling {short_money(total)} = {pct}% of the {short_money(justified)} justified",
            value=str(pct), rule=f"USAspending's base and all options on {names} divided by "
                                 "the amount the justification states", **src))
    return out


def award_inferences(db: Database, j: dict[str, Any], a: dict[str, Any],
                     chain: list[str]) -> list[Fact]:
    """Posting lag, recipient, reason not competed, urgency period and later awards for one
    award the justification explains."""
    url = a.get("url") or USASPENDING_AWARD.format(a["id"])
    name = a.get("piid") or a["id"]
    src = {"source_label": f"USAspending award {name}", "source_url": url,
           "fetched_at": a.get("fetched_at"), "award_id": a["id"]}
    urgency = document_basis(j.get("authority_category"), j.get("citations")) == "urgency"
    out = [f for f in (_lag_fact(j, a, urgency, src), _vendor_fact(j, a, src),
                       _reason_fact(j, a, src), _urgency_period_fact(j, a, urgency, src),
                       _later_awards_fact(db, j, a, chain, src)) if f is not None]
    return out


def _lag_fact(j: dict[str, Any], a: dict[str, Any], urgency: bool,
              src: dict[str, Any]) -> Fact | None:
    signed, posted = parse_day(a.get("date_signed")), parse_day(j.get("posted_date"))
    if signed is None or posted is None:
        return None
    lag = posting_lag(signed, posted, j.get("citations"), urgency)
    if j.get("kind") != "Justification":  # a notice of intent comes before the award
        when = "after" if lag.days >= 0 else "before"
        return Fact("posting_lag", INFERENTIAL, f"notice of intent posted {abs(lag.days)} "
                    f"day{'s' * (abs(lag.days) != 1)} {when} the award was signed",
                    value=str(lag.days), rule=f"days from USAspending's date_signed ({signed}) "
                    f"to the posting date ({posted}); the posting limits are for justifications",
                    **src)
    why = " for urgency" if urgency else ""
    if lag.days >= 0:
        statement = (f"posted {lag.days} day{'s' * (lag.days != 1)} after award; "
                     f"{lag.rule} allows {lag.limit}{why}")
    else:
        statement = (f"posted {-lag.days} day{'s' * (lag.days != -1)} before the award was "
                     f"signed; {lag.rule} allows {lag.limit} after{why}")
    rule = (f"days from USAspending's date_signed ({signed}) to the posting date ({posted}); "
            f"flagged past {lag.limit} days")
    flag = POSTED_LATE if lag.late else None
    if flag and MODIFICATION.search(j.get("title") or ""):
        flag = None
        statement += " (counted from the award's first signature: this is a modification)"
        rule += ("; not flagged: the justification is for a modification, and date_signed "
                 "is the award's first signature, not the modification's")
    return Fact("posting_lag", INFERENTIAL, statement, value=str(lag.days), flag=flag,
                rule=rule, **src)


def _vendor_fact(j: dict[str, Any], a: dict[str, Any], src: dict[str, Any]) -> Fact | None:
    same = same_vendor(j.get("vendor"), j.get("vendor_uei"), a)
    if same is None or not a.get("recipient_name"):
        return None
    by_uei = bool(j.get("vendor_uei") and (a.get("recipient_uei") or a.get(
        "parent_recipient_uei")))
    how = "UEI" if by_uei else "name"
    if same:
        statement = f"the award's recipient {a['recipient_name']} is the vendor the document names"
    else:
        statement = (f"the award went to {a['recipient_name']}, not {j['vendor']} as the "
                     "document names")
    return Fact("recipient_vs_vendor", INFERENTIAL, statement + f" (by {how})",
                value="same" if same else "different",
                flag=None if same else RECORD_DISAGREES,
                rule="the document's vendor against USAspending's recipient and its parent: by "
                     "UEI when both are known, else by name without legal suffixes", **src)


def _reason_fact(j: dict[str, Any], a: dict[str, Any], src: dict[str, Any]) -> Fact | None:
    basis = award_basis(a)
    mine = document_basis(j.get("authority_category"), j.get("citations"))
    if basis is None or mine is None or basis[2] is None:
        return None
    field, code, theirs = basis
    cited = j.get("citations") or j.get("authority") or mine
    agrees = theirs == mine
    if agrees:
        statement = (f"the record's reason not competed ({code}: {BASIS_WORDS[theirs]}) agrees "
                     f"with the authority the document cites ({cited})")
    else:
        statement = (f"the record gives {code} ({BASIS_WORDS[theirs]}) as the reason not "
                     f"competed; the document cites {cited} ({BASIS_WORDS.get(mine, mine)})")
    return Fact("reason_vs_authority", INFERENTIAL, statement,
                value="agrees" if agrees else "disagrees",
                flag=None if agrees else RECORD_DISAGREES,
                rule=f"USAspending's {field} code against the FAR paragraph the document "
                     "cites (URG ↔ FAR 6.302-2, UNQ/ONE/FOC ↔ 6.302-1, ...)", **src)


def _urgency_period_fact(j: dict[str, Any], a: dict[str, Any], urgency: bool,
                         src: dict[str, Any]) -> Fact | None:
    award_urgent = (award_basis(a) or ("", "", None))[2] == "urgency"
    start = parse_day(a.get("pop_start")) or parse_day(a.get("date_signed"))
    end = parse_day(a.get("pop_potential_end")) or parse_day(a.get("pop_end"))
    if not (urgency or award_urgent) or start is None or end is None:
        return None
    past = runs_past_one_year(start, end)
    days = (end - start).days
    statement = (f"an urgency award whose performance runs {days} days ({start} to {end})"
                 + ("; FAR 6.302-2(d)(1) limits it to one year unless the agency head "
                    "determines exceptional circumstances" if past else ", within one year"))
    return Fact("urgency_period", INFERENTIAL, statement, value=str(days),
                rule="USAspending's period of performance (start to potential end) against "
                     "FAR 6.302-2(d)(1)'s one year", **src)


def _later_awards_fact(db: Database, j: dict[str, Any], a: dict[str, Any], chain: list[str],
                       src: dict[str, Any]) -> Fact | None:
    since = str(j.get("posted_date") or a.get("date_signed") or "")[:10]
    if not since:
        return None
    same_vehicle = "(a.parent_award_id = :parent or a.parent_award_id = :id)"
    same_vendor = ("(a.recipient_uei = :uei and coalesce(a.awarding_office, '') = "
                   "coalesce(:office, ''))")
    later = _rows(db, f"""
        select a.* from awards a
        where a.id != :id and a.date_signed >= :since
          and ({same_vehicle} or {same_vendor})
          and a.id not in (select award_id from award_links where notice_id in
                           (select value from json_each(:chain)))
        order by a.date_signed, a.id""", {
        "id": a["id"], "parent": a.get("parent_award_id") or "\x00", "since": since,
        "uei": a.get("recipient_uei") or "\x00", "office": a.get("awarding_office"),
        "chain": _json_list(chain)})
    if not later:
        return None
    total = sum(x.get("total_obligation") or 0 for x in later)
    names = ", ".join(x.get("piid") or x["id"] for x in later[:5])
    more = f" and {len(later) - 5} more" if len(later) > 5 else ""
    statement = (f"{len(later)} later award{'s' * (len(later) != 1)} since {since} under the "
                 f"same vehicle or to the same vendor by the same office ({names}{more}), "
                 f"{short_money(total)} obligated")
    first = later[0]
    return Fact("later_awards", INFERENTIAL, statement, value=str(len(later)),
                rule="awards signed since the posting whose parent vehicle is this award's (or "
                     "this award), or with the same recipient UEI and awarding office",
                source_label=f"USAspending award {first.get('piid') or first['id']}",
                source_url=first.get("url") or USASPENDING_AWARD.format(first["id"]),
                fetched_at=first.get("fetched_at"), award_id=src["award_id"])


# --- helpers ----------------------------------------------------------------------------------

def _json_list(values: list[str]) -> str:
    return json.dumps(values)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _rows(db: Database, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(db: Database, sql: str, params: Any) -> dict[str, Any] | None:
    found = _rows(db, sql, params)
    return found[0] if found else None


def _shown_notice(db: Database, notice_id: str) -> str | None:
    """The notice whose justification row shows ``notice_id``: itself, or the latest notice
    of its amendment chain that has one. None when no justification shows it."""
    current, seen = notice_id, set()
    while current and current not in seen:
        seen.add(current)
        if db.execute("select 1 from justifications where notice_id = ?",
                      [current]).fetchone():
            return current
        later = db.execute("select id from notices where previous_notice_id = ?",
                           [current]).fetchone()
        current = later[0] if later else None
    return None


def _chain(db: Database, notice_id: str) -> list[str]:
    """``notice_id`` and every earlier notice of its amendment chain."""
    chain, current = [notice_id], notice_id
    while True:
        row = db.execute("select previous_notice_id from notices where id = ?",
                         [current]).fetchone()
        if not row or not row[0] or row[0] in chain:
            return chain
        current = row[0]
        chain.append(current)


def _document_source(db: Database, j: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(label, url, fetched_at) of the document the values were read from; the notice when
    there is no stored document."""
    url = j.get("document_url")
    if url:
        fetched = db.execute("select fetched_at from attachments where id = ?",
                             [url.removeprefix("/-/attachment/")]).fetchone()
        return j.get("document") or "the justification", url, fetched[0] if fetched else None
    link = j.get("link") if str(j.get("link") or "").startswith(("https://", "http://")) else None
    return f"the notice on {j.get('source') or 'SAM.gov'}", link, j.get("updated_at")
