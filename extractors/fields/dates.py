"""Dates with their role: deadlines, performance period, delivery, signatures, award."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.fields.common import sentence_span
from extractors.sections import HISTORY_KINDS, find_sections, section_at
from extractors.types import Document
from fastscan import fast

DATA = Path(__file__).resolve().parent.parent / "data"
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
YEAR = r"(?P<y>(?:19|20)[0-9lIO]{2})"
MONTH = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
        r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
END = r"(?![0-9A-Za-z])"  # not \b: "June 5, 2026____" ends at an underscore, a word character
START = r"(?<![0-9A-Za-z])"
DATE_RES = [
    re.compile(MONTH + r"[.'’]?\s*(?:-\s*)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*" + YEAR + END,
               re.I),
    re.compile(START + r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?" + MONTH + r"\.?,?\s+"
               + YEAR + END, re.I),
    # "01-MAR-2026", "1-Mar-26": the military's day-month-year
    re.compile(START + r"(?P<d>\d{1,2})-" + MONTH + r"-(?P<y>(?:19|20)\d{2}|\d{2})" + END, re.I),
    re.compile(r"\b(?P<y>(?:19|20)\d{2})[-.](?P<m>\d{2})[-.](?P<d>\d{2})\b"),
    re.compile(r"(?<![\d/.-])(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])"),
    re.compile(r"(?:(?<![\d/.-])|(?<=/\d{4}-))"  # "3/23/2020-9/15/2020": a range's second date
               r"(?P<m>\d{1,2})[/-](?P<d>\d{1,2})[/-](?P<y>(?:19|20)?\d{2})(?![\d/])"),
    re.compile(r"\b" + MONTH + r"\.?,?\s+" + YEAR + r"\b", re.I),  # month precision
]
# Some PDFs map digits to Greek code points (U+03EC + n); read them as digits, 1:1.
DIGITS = str.maketrans({chr(0x03EC + n): str(n) for n in range(10)})
ODD_DIGIT = re.compile("[\u03ec-\u03f5]")  # translating costs ~30 ns a character: only if needed
SKIP_BEFORE = re.compile(r"(?:\bRev(?:ision|ised)?\.?(?::\s*\d+[^\n]{0,30})?|\bForm\b[^\n]{0,30}|"
                         r"\bVersion(?:\s+Control)?(?:\s+Date)?|\bUpdated|\bEdition|\bdtd|\bFAC\b|"
                         r"\bOMB\b|\bEffective(?:\s+Date)?|\bFiled|\bPrinted)\s*[:#]?\s*$", re.I)
# a Federal Register notice's "DATES: Effective Date: …" is the action's date, not a form's
FR_EFFECTIVE = re.compile(r"DATES\s*:\s*Effective(?:\s+Date)?\s*:?\s*$")
FIELD = r"[\s:*\-]*(?:\([^)\n]{0,14}\))?[\s:*\-]*$"
TIME_DEADLINE = re.compile(
    r"(?:not?\s+later\s+than|NLT|on\s+or\s+before|by|before|until|prior\s+to)\s+\d{1,2}(?::\d{2})?"
    r"\s*(?:[ap]\.?\s?m\.?|hours|hrs)\s*(?:\(?[A-Z]{1,4}\)?|local\s+time|(?:Eastern|Central|"
    r"Mountain|Pacific|Alaska|Hawaii)(?:\s+(?:Standard|Daylight|Prevailing))?\s+Time)?\s*,?\s*"
    r"(?:on\s+)?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*)?$", re.I)
HISTORY = re.compile(
    r"""\b(?:was|were|had\s+been|has\s+been)\s+(?:originally\s+|previously\s+|initially\s+)?
        (?:awarded|issued|fired|executed|set\s+to\s+expire|tasked|completed|signed|posted|
           published|synopsized|released|cancell?ed|terminated|received)\b
                                 # "the contract was awarded on", "the RFP was posted on"
      | \bexpired\b | \bwhich\s+was\b
      | \b(?:previous|prior|predecessor|preceding|expiring|former|original)\s+
        (?:[\w-]+\s+){0,2}?(?:contract|order|award|BPA|solicitation|RFP|RFQ|procurement|
           acquisition|period\s+of\s+performance)\b
                                 # "the previous contract's period of performance"
    """, re.I | re.X)
@dataclass(frozen=True)
class Cue:
    """A rule that gives a date its role: the words read before it (``LEAD_CUES``) or after
    it (``TRAIL_CUES``), with a phrase from a real justification that it must match."""

    role: str
    name: str
    example: str
    pattern: re.Pattern[str]


LEAD_CUES = [  # the first that matches the words before a date gives its role
    Cue("response_due", "deadline_time", "Quotes are due no later than 2:00 PM EST on",
        TIME_DEADLINE),
    Cue("pop_end", "end_date_field", "Period of Performance End Date:",
        re.compile(r"(?:End|Ending|Completion)\s+Date" + FIELD, re.I)),
    Cue("pop_start", "start_date_field", "Start Date:",
        re.compile(r"(?:Start|Begin\w*)\s+Date" + FIELD, re.I)),
    Cue("contract_expiration", "expiration_field", "Current Contract Expiration Date:",
        re.compile(r"Expiration\s+Date" + FIELD, re.I)),
    Cue("delivery", "delivery_field", "Required Delivery Date:",
        re.compile(r"(?:Delivery|Need)\s+Date" + FIELD, re.I)),
    Cue("award", "award_cue", "The anticipated award date is",
        re.compile(r"award\w*\s+(?:date|on|by)" + FIELD
                   + r"|anticipated\s+award[^.\n]{0,50}$|"
                   r"award\w*\s+(?:is|will\s+be)\s+(?:anticipated|expected|planned|"
                   r"scheduled)\b[^.\n]{0,30}$|"
                   r"date\s+of\s+award" + FIELD + r"|awarded\s+on\s*$", re.I)),
    Cue("response_due", "response_cue", "Capability statements must be received by",
        re.compile(r"(?:respon[sd]\w*|capabilit\w*\s+statements?|quot\w+|"
                   r"propos\w+|offers?|submi\w+|receiv\w+|inquiries|questions)"
                   r"[^.\n]{0,80}(?:due|by|before|not?\s+later\s+than|NLT|until|on"
                   r"\s+or\s+before)\s*[^.\n]{0,45}$|response\s+date" + FIELD + "|"
                   r"closing\s+date" + FIELD + r"|due\s+(?:date|by|on)[^.\n]{0,20}$",
                   re.I)),
    Cue("signature", "signature_cue", "Contracting Officer\nDate:",
        re.compile(r"(?:^|\n)\s*Date\s*:\s*$|digitally\s+signed|\bsignature|\bsigned|"
                   r"\bdate\s+signed|\bconcur|approv(?:ed|al)\s*(?:by|date|on)?[^.\n]{0,"
                   r"40}$|"
                   r"(?:Officer|Executive|Counsel|Advocate|Activity|Chief|Director)"
                   r"[^.\n]{0,40}$|_{3,}\s*$", re.I)),
    Cue("prototype_due", "prototype_cue", "a working prototype is to be delivered by",
        re.compile(r"prototype[^.\n]{0,60}$", re.I)),
    Cue("pop_start", "performance_cue", "The period of performance will be from",
        re.compile(r"(?:period\s+of\s+performance|performance\s+period|\bPoP\b|"
                   r"period\s+(?:for|of)\s+(?:this|the)\s+(?:award|agreement|contract|"
                   r"order|extension|bridge)|project\s+period|budget\s+period|"
                   r"\d+\s+months?\s+(?:from|beginning)|begin\w*|start\w*|commenc\w*|"
                   r"effective)[^.\n]{0,60}(?:from|of|on|:|is|be|begin\w*|"
                   r"start\w*)?\s*$|\bbetween\s*$|"
                   r"\bbetween\s[^.\n]{0,30}\d{4}\s*(?:to|and|through|thru|-|–)\s*$",
                   re.I)),
    Cue("contract_expiration", "expiry_cue", "The current contract expires on",
        re.compile(r"expir\w+[^.\n]{0,60}$|(?:cannot|can\s*not|may\s+not)\s+"
                   r"be\s+extended\s+(?:beyond|past|after)\s*$|"
                   r"(?:current|existing)\s+contract"
                   r"[^.\n]{0,60}(?:ends?|through|until)\s*(?:on)?\s*$|"
                   r"(?:contract|order)[^.\n]{0,40}(?:will\s+)?(?:ends?|"
                   r"expires?)\s+(?:on\s+)?$", re.I)),
    Cue("delivery", "delivery_cue", "Delivery of all units is required not later than",
        re.compile(r"deliver\w*[^.\n]{0,80}$|required\s+(?:by|not?\s+later\s+than)\s*$",
                   re.I)),
]
TRAIL_CUES = [  # read after the date, when the words before gave it no role or a signature's
    Cue("contract_expiration", "last_day_after",
        " is the final date of the current contract's performance",
        re.compile(r"^,?\s*(?:is|was)\s+the\s+(?:final|last)\s+date|"
                   r"^,?\s*(?:when|on\s+which)\s+the\s+(?:current|existing)"
                   r"\s+contract\s+(?:expires|ends)", re.I)),
    Cue("signature", "signer_after", "\n______________\nJane Roe, Contracting Officer",
        re.compile(r"^\s*_{2,}|^[_\s]*[A-Z][a-z]+\s+[A-Z][\w.]*[^\n]{0,40}"
                   r"(?:Officer|Director|Chief|Administrator|Manager|Specialist|Date|"
                   r"Executive|Advocate|Counsel)\b")),
]
OTHER_PAPER = re.compile(r"\b(?:memo(?:randum)?|letter|D\s?&\s?F|determination|class\s+deviation|"
                         r"waiver|approval)\b[^.\n]{0,40}\bsigned\s+(?:on\s+)?$", re.I)
# "market research for … a new contract with an anticipated start", "will resume procurement
# activities with an anticipated award date": the next, competed buy
FUTURE_BUY = re.compile(r"\b(?:new|follow-?on|future|re-?compet\w*|competitive(?:ly)?)\s+"
                        r"(?:[\w-]+\s+){0,3}?(?:contract|procurement|acquisition|solicitation|"
                        r"award)\b[^.]{0,80}\banticipated|\bresume\s+(?:the\s+)?(?:procurement|"
                        r"acquisition|solicitation)", re.I)
# a stray mark OCR left between two words (not a hyphenated word, not a range of dates)
OCR_SPECK = re.compile(r"(?<=[a-z])\s+[-'’‘\"“,]+(?=[a-z])")
RANGE_NEXT = re.compile(r"^\s*(?:-|–|—|through|thru|to|until)\s*(?:\w+\.?\s+)?\d", re.I)
RANGE_END = re.compile(r"(?:through|thru|to|until|-|–|—)\s*$", re.I)


def _ocr_year(y: str) -> str:
    return y.translate(str.maketrans({"l": "1", "I": "1", "O": "0"}))


def parse_match(m: re.Match[str]) -> str | None:
    """ISO day, or ISO month when the day is missing or impossible ("April 31")."""
    g = m.groupdict()
    try:
        year = int(_ocr_year(g["y"]))
        if year < 100:
            year += 2000
        month = MONTHS[g["mon"][:3].lower()] if g.get("mon") else int(g["m"])
        if not 1 <= month <= 12 or not 1990 <= year <= 2040:
            return None
        if not g.get("d"):
            return f"{year:04d}-{month:02d}"
        try:
            return date(year, month, int(g["d"])).isoformat()
        except ValueError:
            return f"{year:04d}-{month:02d}" if 1 <= int(g["d"]) <= 31 else None
    except (ValueError, KeyError):
        return None


def find_dates(text: str) -> list[tuple[int, int, str]]:
    if not text.isascii() and ODD_DIGIT.search(text):
        text = text.translate(DIGITS)
    found: dict[int, tuple[int, int, str]] = {}
    taken: list[tuple[int, int]] = []
    for pattern in DATE_RES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            when = parse_match(m)
            if when is None:
                continue
            lead = text[max(0, m.start() - 40): m.start()]
            if SKIP_BEFORE.search(lead) and not FR_EFFECTIVE.search(lead):
                continue
            found[m.start()] = (m.start(), m.end(), when)
            taken.append((m.start(), m.end()))
    return [found[k] for k in sorted(found)]


# the roles a template's history sections tell of earlier buys, not of this action
# (the current contract's expiry is told there too, as the reason to act now: it stays)
TOLD_IN_HISTORY = frozenset({"response_due", "award", "pop_start", "pop_end", "delivery"})


def _sentence_tail(tail: str) -> str:
    """The rest of a date's sentence, within the 80 characters read after it."""
    stop = re.search(r"\.(?:\s|$)|\n\s*\n", tail)
    return tail[: stop.start()] if stop else tail


# a machine's key on its own line: "date:", "original_published:", "last_modified:"
METADATA = re.compile(r"(?:^|\n)[ \t]*(?-i:[a-z]+(?:_[a-z]+)*)[ \t]*:[ \t]*$")
PRINTED = re.compile(r",?\s+\d{1,2}:\d{2}\s*[AP]M\b[^\n]{0,80}?https?://", re.I)
GAO_FILE = re.compile(r"\bB-\d{6}(?:\.\d+)?(?:[;,]?\s*B-\d{6}(?:\.\d+)?)*\s*Date\s*:?\s*$")


@dataclass
class Candidate:
    """One date in a document: where, which day, the role the cues give it (``role``, after
    the rules that demote history to "other"; ``cued``, before them) and the features the
    fitted model reads to decide whether it is one of this action's key dates."""

    start: int
    end: int
    when: str
    role: str
    cued: str
    features: dict[str, float]


PAST = re.compile(r"\b(?:was|were|had|has\s+been|previously|prior|expired|awarded)\b", re.I)
FUTURE = re.compile(r"\b(?:will|shall|anticipate[sd]?|expected|planned|must|no\s+later|"
                    r"required)\b", re.I)


def candidates(doc: Document) -> list[Candidate]:
    """Every date in ``doc`` with its role by the cues and its features, in text order."""
    text = doc.text
    found = find_dates(text)
    sections = find_sections(text)
    days = [w for _s, _e, w in found if len(w) == 10]
    latest = max(days, default=None)
    counts: dict[str, int] = {}
    for _s, _e, when in found:
        counts[when] = counts.get(when, 0) + 1
    out: list[Candidate] = []
    previous_role: str | None = None
    previous_cued: str | None = None
    previous_end = -100
    for start, end, when in found:
        feats: dict[str, float] = {}
        raw_lead = text[max(0, start - 110): start]
        lead = re.sub(r"[ \t]*\n[ \t]*(?=[a-z0-9(])", " ", raw_lead)  # rejoin wrapped lines
        lead = OCR_SPECK.sub(" ", lead)  # "period -of performance"
        sentence_lead = lead[lead.rfind(". ") + 1:] if ". " in lead else lead
        # a signing in the sentence before ("signed by the CO on 2/26/25. Contract X runs from
        # 3/3/25") does not make this date a signature: the signing words count in this
        # sentence, or close by (OCR puts stray periods into signature blocks)
        signing_zone = lead[-max(60, len(sentence_lead)):]
        role = "other"
        for cue in LEAD_CUES:
            if cue.pattern.search(signing_zone if cue.role == "signature" else lead):
                feats[f"cue:{cue.name}"] = 1.0
                if role == "other":
                    role = cue.role
        tail = text[end: end + 80]
        for cue in TRAIL_CUES:
            if cue.pattern.search(tail):
                feats[f"cue:{cue.name}"] = 1.0
                if role in ("other", "signature"):
                    role = cue.role
        cued = role
        sentence = sentence_lead + _sentence_tail(tail)
        if role == "signature" and OTHER_PAPER.search(sentence_lead):
            role = "other"  # "the urgency memo signed on 2/26/26": another document's date
            feats["other_paper"] = 1.0
        if HISTORY.search(sentence_lead if role == "signature" else sentence):
            feats["history_sentence"] = 1.0
            if role != "other":
                role = "other"  # the history of an earlier contract, not this action's dates
        if FUTURE_BUY.search(sentence_lead):
            feats["future_buy"] = 1.0
            if role in ("award", "pop_start"):
                role = "other"  # the competition planned to follow this action
        if role == "other" and RANGE_NEXT.match(tail) and re.search(r"\bfrom\s*$", lead):
            role = "pop_start"  # "will be from 1 Aug 2026 - 31 Jul 2027"
            feats["range_from"] = 1.0
        elif role == "other" and RANGE_NEXT.match(tail) and "history_sentence" not in feats:
            role = cued = "pop_start"  # "$130,000, March 1, 2000 to February 28, 2003"
            feats["range_start"] = 1.0
        joined = (previous_cued == "pop_start" and start - previous_end < 20
                  and RANGE_END.search(text[previous_end:start]))
        if role == "pop_start" and RANGE_END.search(lead[-12:]):
            role = cued = "pop_end"
            feats["range_end"] = 1.0
        elif joined:
            feats["range_end"] = 1.0
            cued = "pop_end"
            if previous_role == "pop_start":
                role = "pop_end"
        elif re.match(r"\s+\d{1,2}:\d{2}:\d{2}\s*[-+]\d{2}'?\d{2}", text[end: end + 20]):
            role = "signature"  # digital signature stamp: 2026.06.11 14:53:33 -05'00'
            feats["signature_stamp"] = 1.0
        if METADATA.search(raw_lead):
            role = "other"  # a file's metadata ("date: 2026-02-05 18:57:46 +0000"), not a signing
            feats["metadata_line"] = 1.0
        elif PRINTED.match(text, end):
            role = "other"  # a browser's print header: "7/31/25, 9:21 AM WorkflowPro https://…"
            feats["print_header"] = 1.0
        elif role == "signature" and GAO_FILE.search(lead):
            role = "other"  # a GAO decision's date: "B-422905.2 Date: December 13, 2024"
            feats["gao_decision"] = 1.0
        section = section_at(sections, start)
        if section is not None:
            feats[f"section:{section.kind}"] = 1.0
            if role in TOLD_IN_HISTORY and section.kind in HISTORY_KINDS:
                role = "other"  # a sources-sought notice's due date told in market research
        previous_role, previous_cued, previous_end = role, cued, end
        feats[f"role:{role}"] = 1.0
        feats[f"cued:{cued}"] = 1.0
        feats.update(_context(text, start, when, latest, counts, sentence))
        out.append(Candidate(start, end, when, role, cued, feats))
    return out


def _context(text: str, start: int, when: str, latest: str | None, counts: dict[str, int],
             sentence: str) -> dict[str, float]:
    """Where the date sits and how it is told: the features no single cue gives."""
    feats: dict[str, float] = {}
    if len(when) == 7:
        feats["month_only"] = 1.0
    position = start / max(1, len(text))
    feats["early"] = float(position < 0.1)
    feats["late"] = float(position > 0.8)
    if counts[when] > 1:
        feats["repeated"] = 1.0
    if latest and len(when) == 10:
        gap = (date.fromisoformat(latest) - date.fromisoformat(when)).days
        feats["year_before_latest"] = float(gap > 365)
        feats["years_before_latest"] = float(gap > 3 * 365)
    feats["past_tense"] = float(bool(PAST.search(sentence)))
    feats["future_tense"] = float(bool(FUTURE.search(sentence)))
    line_start = text.rfind("\n", 0, start) + 1
    feats["short_line"] = float(start - line_start < 30)
    return feats


@lru_cache(maxsize=1)
def model() -> dict[str, Any]:
    """The fitted weights: ``extractors/data/dates_model.json``, made by ``make train``."""
    return json.loads((DATA / "dates_model.json").read_text(encoding="utf-8"))


def probability(feats: dict[str, float]) -> float:
    """How likely the fitted model finds it that a date is one of the action's key dates."""
    fitted = model()
    z = fitted["intercept"] + sum(fitted["weights"].get(k, 0.0) * v for k, v in feats.items())
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def extract_dates(doc: Document) -> list[dict[str, Any]]:
    """The dates of ``doc`` with their roles: a date the rules gave a role keeps it when the
    fitted model finds it one of the action's key dates, and is "other" when not."""
    text = doc.text
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    threshold = model()["threshold"]
    for c in candidates(doc):
        role = c.role
        if role != "other" and probability(c.features) < threshold:
            role = "other"
        key = (role, c.when)
        if key in seen:
            continue
        seen.add(key)
        s, e = sentence_span(text, c.start, c.end, limit=200)
        out.append({"type": role, "date": c.when, "text": text[c.start:c.end],
                    "evidence": doc.evidence(s, e, (c.start, c.end))})
    return out


# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
DATE_RES = [fast(p, documents=True) for p in DATE_RES]
LEAD_CUES = [replace(cue, pattern=fast(cue.pattern)) for cue in LEAD_CUES]
FUTURE_BUY = fast(FUTURE_BUY)
HISTORY = fast(HISTORY)
OCR_SPECK = fast(OCR_SPECK)
OTHER_PAPER = fast(OTHER_PAPER)
SKIP_BEFORE = fast(SKIP_BEFORE)
TIME_DEADLINE = fast(TIME_DEADLINE)
