"""Dates with their role: deadlines, performance period, delivery, signatures, award."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from extractors.fields.common import sentence_span
from extractors.sections import HISTORY_KINDS, find_sections, section_at
from extractors.types import Document
from fastscan import fast

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
ROLES = [
    ("response_due", TIME_DEADLINE),
    ("pop_end", re.compile(r"(?:End|Ending|Completion)\s+Date" + FIELD, re.I)),
    ("pop_start", re.compile(r"(?:Start|Begin\w*)\s+Date" + FIELD, re.I)),
    ("contract_expiration", re.compile(r"Expiration\s+Date" + FIELD, re.I)),
    ("delivery", re.compile(r"(?:Delivery|Need)\s+Date" + FIELD, re.I)),
    ("award", re.compile(r"award\w*\s+(?:date|on|by)" + FIELD
                         + r"|anticipated\s+award[^.\n]{0,50}$|"
                         r"award\w*\s+(?:is|will\s+be)\s+(?:anticipated|expected|planned|"
                         r"scheduled)\b[^.\n]{0,30}$|"
                         r"date\s+of\s+award" + FIELD + r"|awarded\s+on\s*$", re.I)),
    ("response_due", re.compile(r"(?:respon[sd]\w*|capabilit\w*\s+statements?|quot\w+|"
                                r"propos\w+|offers?|submi\w+|receiv\w+|inquiries|questions)"
                                r"[^.\n]{0,80}(?:due|by|before|not?\s+later\s+than|NLT|until|on"
                                r"\s+or\s+before)\s*[^.\n]{0,45}$|response\s+date" + FIELD + "|"
                                r"closing\s+date" + FIELD + r"|due\s+(?:date|by|on)[^.\n]{0,20}$",
                                re.I)),
    ("signature", re.compile(r"(?:^|\n)\s*Date\s*:\s*$|digitally\s+signed|\bsignature|\bsigned|"
                             r"\bdate\s+signed|\bconcur|approv(?:ed|al)\s*(?:by|date|on)?[^.\n]{0,"
                             r"40}$|"
                             r"(?:Officer|Executive|Counsel|Advocate|Activity|Chief|Director)"
                             r"[^.\n]{0,40}$|_{3,}\s*$", re.I)),
    ("prototype_due", re.compile(r"prototype[^.\n]{0,60}$", re.I)),
    ("pop_start", re.compile(r"(?:period\s+of\s+performance|performance\s+period|\bPoP\b|"
                             r"period\s+(?:for|of)\s+(?:this|the)\s+(?:award|agreement|contract|"
                             r"order|extension|bridge)|project\s+period|budget\s+period|"
                             r"\d+\s+months?\s+(?:from|beginning)|begin\w*|start\w*|commenc\w*|"
                             r"effective)[^.\n]{0,60}(?:from|of|on|:|is|be|begin\w*|"
                             r"start\w*)?\s*$|\bbetween\s*$|"
                             r"\bbetween\s[^.\n]{0,30}\d{4}\s*(?:to|and|through|thru|-|–)\s*$",
                             re.I)),
    ("contract_expiration", re.compile(r"expir\w+[^.\n]{0,60}$|(?:cannot|can\s*not|may\s+not)\s+"
                                       r"be\s+extended\s+(?:beyond|past|after)\s*$|"
                                       r"(?:current|existing)\s+contract"
                                       r"[^.\n]{0,60}(?:ends?|through|until)\s*(?:on)?\s*$|"
                                       r"(?:contract|order)[^.\n]{0,40}(?:will\s+)?(?:ends?|"
                                       r"expires?)\s+(?:on\s+)?$", re.I)),
    ("delivery", re.compile(r"deliver\w*[^.\n]{0,80}$|required\s+(?:by|not?\s+later\s+than)\s*$",
                            re.I)),
]
AFTER_ROLES = [
    ("contract_expiration", re.compile(r"^,?\s*(?:is|was)\s+the\s+(?:final|last)\s+date|"
                                       r"^,?\s*(?:when|on\s+which)\s+the\s+(?:current|existing)"
                                       r"\s+contract\s+(?:expires|ends)", re.I)),
    ("signature", re.compile(r"^\s*_{2,}|^[_\s]*[A-Z][a-z]+\s+[A-Z][\w.]*[^\n]{0,40}"
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


def extract_dates(doc: Document) -> list[dict[str, Any]]:
    text = doc.text
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    previous_role: str | None = None
    previous_end = -100
    sections = find_sections(text)
    for start, end, when in find_dates(text):
        raw_lead = text[max(0, start - 110): start]
        lead = re.sub(r"[ \t]*\n[ \t]*(?=[a-z0-9(])", " ", raw_lead)  # rejoin wrapped lines
        lead = OCR_SPECK.sub(" ", lead)  # "period -of performance"
        sentence_lead = lead[lead.rfind(". ") + 1:] if ". " in lead else lead
        # a signing in the sentence before ("signed by the CO on 2/26/25. Contract X runs from
        # 3/3/25") does not make this date a signature: the signing words count in this
        # sentence, or close by (OCR puts stray periods into signature blocks)
        signing_zone = lead[-max(60, len(sentence_lead)):]
        role = next((name for name, pattern in ROLES if pattern.search(
            signing_zone if name == "signature" else lead)), "other")
        tail = text[end: end + 80]
        for name, pattern in AFTER_ROLES:
            if role in ("other", "signature") and pattern.search(tail):
                role = name
                break
        if role == "signature" and OTHER_PAPER.search(sentence_lead):
            role = "other"  # "the urgency memo signed on 2/26/26": another document's date
        if role not in ("other", "signature") and HISTORY.search(
                sentence_lead + _sentence_tail(tail)) or role == "signature" and HISTORY.search(
                sentence_lead):
            role = "other"  # the history of an earlier contract, not this action's dates
        if role in ("award", "pop_start") and FUTURE_BUY.search(sentence_lead):
            role = "other"  # the competition planned to follow this action, not its own dates
        if role == "other" and RANGE_NEXT.match(tail) and re.search(r"\bfrom\s*$", lead):
            role = "pop_start"  # "will be from 1 Aug 2026 - 31 Jul 2027"
        if role == "pop_start" and RANGE_END.search(lead[-12:]):
            role = "pop_end"
        elif (previous_role in ("pop_start",) and start - previous_end < 20
              and RANGE_END.search(text[previous_end:start])):
            role = "pop_end"
        elif re.match(r"\s+\d{1,2}:\d{2}:\d{2}\s*[-+]\d{2}'?\d{2}", text[end: end + 20]):
            role = "signature"  # digital signature stamp: 2026.06.11 14:53:33 -05'00'
        if METADATA.search(raw_lead):
            role = "other"  # a file's metadata ("date: 2026-02-05 18:57:46 +0000"), not a signing
        elif PRINTED.match(text, end):
            role = "other"  # a browser's print header: "7/31/25, 9:21 AM WorkflowPro https://…"
        elif role == "signature" and GAO_FILE.search(lead):
            role = "other"  # a GAO decision's date: "B-422905.2 Date: December 13, 2024"
        if role in TOLD_IN_HISTORY and (section := section_at(sections, start)) and \
                section.kind in HISTORY_KINDS:
            role = "other"  # a sources-sought notice's due date told in the market research
        previous_role, previous_end = role, end
        key = (role, when)
        if key in seen:
            continue
        seen.add(key)
        s, e = sentence_span(text, start, end, limit=200)
        out.append({"type": role, "date": when, "text": text[start:end],
                    "evidence": doc.evidence(s, e, (start, end))})
    return out


# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
DATE_RES = [fast(p, documents=True) for p in DATE_RES]
ROLES = [(name, fast(p)) for name, p in ROLES]
FUTURE_BUY = fast(FUTURE_BUY)
HISTORY = fast(HISTORY)
OCR_SPECK = fast(OCR_SPECK)
OTHER_PAPER = fast(OTHER_PAPER)
SKIP_BEFORE = fast(SKIP_BEFORE)
TIME_DEADLINE = fast(TIME_DEADLINE)
