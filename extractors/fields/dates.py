"""Dates with their role: deadlines, performance period, delivery, signatures, award."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from extractors.fields.common import sentence_span
from extractors.types import Document

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
YEAR = r"(?P<y>(?:19|20)[0-9lIO]{2})"
MONTH = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
        r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DATE_RES = [
    re.compile(MONTH + r"\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*" + YEAR + r"\b", re.I),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?" + MONTH + r"\.?,?\s+"
               + YEAR + r"\b", re.I),
    re.compile(r"\b(?P<y>(?:19|20)\d{2})[-.](?P<m>\d{2})[-.](?P<d>\d{2})\b"),
    re.compile(r"(?<![\d/.-])(?P<m>\d{1,2})[/-](?P<d>\d{1,2})[/-](?P<y>(?:19|20)?\d{2})(?![\d/])"),
]
SKIP_BEFORE = re.compile(r"(?:\bRev(?:ision|ised)?\.?|\bForm\b[^\n]{0,30}|\bVersion|\bUpdated|"
                         r"\bEdition|\bdtd|\bFAC\b|\bOMB\b|\bEffective)\s*[:#]?\s*$", re.I)
ROLES = [
    ("signature", re.compile(r"(?:^|\n)\s*Date\s*:\s*$|digitally\s+signed|signature|signed|"
                             r"\bdate\s+signed|\bconcur|approv(?:ed|al|ing)[^.\n]{0,40}$|"
                             r"(?:Officer|Executive|Counsel|Advocate|Activity|Chief|Director)"
                             r"[^.\n]{0,40}$", re.I)),
    ("response_due", re.compile(r"(?:respon[sd]\w*|capabilit\w*\s+statements?|quot\w+|"
                                r"propos\w+|offers?|submi\w+|receiv\w+|inquiries|questions)"
                                r"[^.\n]{0,80}(?:due|by|before|no\s+later\s+than|NLT|until|on"
                                r"\s+or\s+before)\s*[^.\n]{0,25}$|response\s+date[^.\n]{0,30}$|"
                                r"closing\s+date[^.\n]{0,20}$|due\s+(?:date|by|on)[^.\n]{0,20}$",
                                re.I)),
    ("prototype_due", re.compile(r"prototype[^.\n]{0,60}$", re.I)),
    ("pop_start", re.compile(r"(?:period\s+of\s+performance|performance\s+period|PoP|"
                             r"begin\w*|start\w*|commenc\w*|effective)[^.\n]{0,60}"
                             r"(?:from|of|on|:|is|begin\w*|start\w*)?\s*$", re.I)),
    ("contract_expiration", re.compile(r"expir\w+[^.\n]{0,60}$|(?:current|existing)\s+contract"
                                       r"[^.\n]{0,60}(?:ends?|through|until)\s*(?:on)?\s*$",
                                       re.I)),
    ("delivery", re.compile(r"deliver\w*[^.\n]{0,60}$|required\s+(?:by|no\s+later\s+than)\s*$",
                            re.I)),
    ("award", re.compile(r"award\w*\s+(?:date|on|by)\s*:?\s*$|anticipated\s+award[^.\n]{0,30}$|"
                         r"date\s+of\s+award\s*:?\s*$|awarded\s+on\s*$", re.I)),
]
RANGE_END = re.compile(r"(?:through|thru|to|until|-|–|—)\s*$", re.I)


def _ocr_year(y: str) -> str:
    return y.translate(str.maketrans({"l": "1", "I": "1", "O": "0"}))


def parse_match(m: re.Match[str]) -> date | None:
    g = m.groupdict()
    try:
        year = int(_ocr_year(g["y"]))
        if year < 100:
            year += 2000
        if g.get("mon"):
            month = MONTHS[g["mon"][:3].lower()]
        else:
            month = int(g["m"])
        return date(year, month, int(g["d"]))
    except (ValueError, KeyError):
        return None


def find_dates(text: str) -> list[tuple[int, int, date]]:
    found: dict[int, tuple[int, int, date]] = {}
    taken: list[tuple[int, int]] = []
    for pattern in DATE_RES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            when = parse_match(m)
            if when is None or not 1990 <= when.year <= 2040:
                continue
            if SKIP_BEFORE.search(text[max(0, m.start() - 40): m.start()]):
                continue
            found[m.start()] = (m.start(), m.end(), when)
            taken.append((m.start(), m.end()))
    return [found[k] for k in sorted(found)]


def extract_dates(doc: Document) -> list[dict[str, Any]]:
    text = doc.text
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    previous_role: str | None = None
    previous_end = -100
    for start, end, when in find_dates(text):
        raw_lead = text[max(0, start - 110): start]
        lead = re.sub(r"[ \t]*\n[ \t]*(?=[a-z0-9(])", " ", raw_lead)  # rejoin wrapped lines
        role = next((name for name, pattern in ROLES if pattern.search(lead)), "other")
        if role == "pop_start" and RANGE_END.search(lead[-12:]):
            role = "pop_end"
        elif (previous_role in ("pop_start",) and start - previous_end < 20
              and RANGE_END.search(text[previous_end:start])):
            role = "pop_end"
        elif re.match(r"\s+\d{1,2}:\d{2}:\d{2}\s*[-+]\d{2}'?\d{2}", text[end: end + 20]):
            role = "signature"  # digital signature stamp: 2026.06.11 14:53:33 -05'00'
        previous_role, previous_end = role, end
        key = (role, when.isoformat())
        if key in seen:
            continue
        seen.add(key)
        s, e = sentence_span(text, start, end, limit=200)
        out.append({"type": role, "date": when.isoformat(), "text": text[start:end],
                    "evidence": doc.evidence(s, e)})
    return out
