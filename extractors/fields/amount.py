"""Dollar amounts: the headline value of the action, the other figures, and redaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from extractors.fields.common import sentence_span
from extractors.types import Document
from fastscan import fast

SCALE = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mil": 10**6, "m": 10**6,
         "mm": 10**6, "billion": 10**9, "b": 10**9, "bn": 10**9}
# "$1,250,000", "$2.5 million", "60,000 USD", "USD 3,400,000", and "$<70,000>" (OCR's box)
MONEY = re.compile(
    r"(?:US\s?|U\.S\.\s?)?\$\s?<?(?P<num>\d{1,3}(?:,\s?\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>million|billion|thousand|mil|MM|bn|M|B|K)\b)?"
    r"|(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+(?:\.\d+)?)\s?(?P<scale2>million|billion)?"
    r"\s?(?:USD|U\.S\. dollars|dollars)\b"
    r"|\bUSD\s?(?P<num3>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d+)?)", re.I)
REDACTION = re.compile(
    r"\$\s*\(b\)\s*\(\s*[46]\s*\)|\(b\)\s*\(4\)|\[\s*REDACTED\s*\]|\bREDACTED\b|\$\s*[xX*]{2,}|█+|"
    r"\$\s*(?:\[\s*\]|_{3,})", re.I)
CUE = re.compile(
    r"estimated\s+(?:total\s+|overall\s+|aggregate\s+)?(?:contract\s+)?(?:value|cost|price|amount|"
    r"dollar)|total\s+(?:estimated\s+|evaluated\s+|contract\s+|combined\s+)?(?:value|cost|price|"
    r"amount)|valued\s+at|value\s+of\s+(?:this|the)\s+(?:proposed\s+)?(?:action|acquisition|"
    r"procurement|requirement|contract|modification|order|award|effort|bridge|extension)|"
    r"not[- ]to[- ]exceed|\bNTE\b|ceiling|at\s+an\s+estimated|in\s+the\s+amount\s+of|"
    r"estimated\s+at|approximately|award\s+of\s+approximately|amount\s+of\s+award|"
    r"total\s+of|anticipated\s+(?:value|cost)|price\s+of|cost\s+of\s+(?:this|the)|"
    r"independent\s+government\s+(?:cost\s+)?estimate|\bIG(?:C)?E\b|quote\s+(?:is|was|of|"
    r"total\w*)|estimate\s+value|estimated\s+amount|(?:^|\n)\s*(?:Total\s+)?Amount\s*:|"
    r"price\s+quote|quoted\s+(?:price|at)|\b(?:Total\s+|Award\s+|Estimated\s+)?Amount\s*:|"
    r"(?:^|\n|\.\s)\s*(?:Total\s+|Estimated\s+|Contract\s+)?Value\s*:|\bcontract\s+value\b|"
    r"estimates?\s+(?:that\s+)?(?:the\s+|this\s+|its\s+)?(?:total\s+)?(?:value|cost|price)\s+"
    r"(?:to\s+be|at|as|is|will\s+be)|(?:will|would|is\s+expected\s+to|is\s+estimated\s+to)\s+"
    r"cost\b", re.I)
DISTRACT = re.compile(
    r"threshold|exceed(?:s|ing)?\s+(?:the\s+)?\$|not\s+exceeding|over\s+\$|more\s+than|greater\s+"
    r"than|less\s+than|below|under\s+\$|above|up\s+to\s+\$|approv|competition\s+advocate|"
    r"procurement\s+executive|head\s+of\s+(?:the\s+)?(?:contracting|agency)|previous(?:ly)?|"
    r"prior\s+|to\s+date|already|savings?|los(?:s|ses)|impact|damage|fine[sd]?\b|penalt|"
    r"revenue|budget|economic|industry|market|annual\s+sales|size\s+standard|total\s+awarded|"
    r"awarded\s+(?:amount|value)|history|(?:existing|current|incumbent|original|predecessor)\s+"
    r"contract(?:['’]s)?\s+(?:total\s+|overall\s+|cumulative\s+)?(?:value|ceiling|cost|price|"
    r"amount)(?=[^.;]*$)|per\s+(?:hour|unit|"
    r"each|item|dose)|unit\s+price|simplified\s+acquisition|micro-?purchase|SAT\b", re.I)
KINDS = [
    (re.compile(r"not[- ](?:to[- ])?exceed|\bNTE\b|ceiling|maximum", re.I), "ceiling"),
    (re.compile(r"(?:base|basic)\s+(?:period|year|contract)?.{0,40}option|including\s+(?:all\s+)?"
                r"options|inclusive\s+of\s+(?:all\s+)?options|base\s+plus", re.I),
     "base_plus_options"),
    (re.compile(r"per\s+(?:year|annum)|annual(?:ly)?|each\s+year|per\s+month|monthly|"
                r"for\s+year\s+1|year\s+1\s+funding", re.I), "per_year"),
    (re.compile(r"obligat|funded|funding\s+of|incremental", re.I), "obligated"),
    (re.compile(r"estimat|total|value|approximately|award", re.I), "estimated_total"),
]
VALUE_PROMPT = re.compile(
    r"\binclud(?:e|ing)\s+(?:the\s+)?(?:total\s+)?estimated\s+(?:total\s+)?(?:dollar\s+)?value|"
    # a heading or form field with nothing after it: "4. Estimated Dollar Value.\n\n5. …"
    r"(?:(?:^|\n)\s*(?:\(?\d{1,2}[.)]\s*|\(?[a-z][.)]\s*)?|(?<=[.)]\s)\([a-z0-9]{1,2}\)\s*)"
    r"(?:Total\s+)?Estimated\s+(?:Total\s+)?(?:Dollar\s+)?(?:Value|Amount)"
    r"(?:,?\s+including\s+(?:all\s+)?options)?\s*(?:\([^)\n]{0,40}\))?\s*[:.]?[ \t]*(?:\n|$)|"
    # a field answered in words with no figure: "IGCE/Estimated dollar value: The IGCE is …"
    r"(?:IGCE\s*/\s*|/\s*)?Estimated\s+(?:Dollar\s+)?(?:Value|Amount)\s*:\s*(?=[A-Z][a-z])"
    r"(?![^\n]{0,150}(?:\$|\d[\d,.]{3,}|USD))", re.I)
UP_TO_AWARD = re.compile(r"(?:in\s+the\s+amount\s+of|valued\s+at|award\w*\s+of|ceiling\s+of|"
                         r"total\s+of)\s+up\s+to\s*$", re.I)
SILENT = re.compile(
    r"(?:(?:estimated|total)\s+(?:total\s+)?(?:value|cost|price|amount)|cost\s+estimate"
    r"(?:\s+\(IGCE\))?|\bIGCE)[^.$\d\n]{0,80}?\bis\s*"
    r"(?:\.|,|;|\s+including|\s+for\s+the|\s+and\b|\s+\n)|"
    # "This contract has an estimated value of This task order is …": the figure taken out
    r"(?:estimated|total)\s+(?:total\s+)?(?:value|cost|price|amount)\s+of\s*(?:\.|"
    r"\s+(?-i:(?:This|That|It|In|An?)\s|The\s+[a-z]))", re.I)


@dataclass
class Money:
    value: float
    text: str
    start: int
    end: int
    kind: str
    score: float


def parse_value(num: str, scale: str | None) -> float | None:
    try:
        value = Decimal(re.sub(r"[,\s]", "", num))
    except InvalidOperation:
        return None
    mult = SCALE.get((scale or "").lower(), 1)
    return float(value * mult)


def find_money(text: str) -> list[Money]:
    out = []
    for m in MONEY.finditer(text):
        num = m.group("num") or m.group("num2") or m.group("num3")
        value = parse_value(num, m.group("scale") or m.group("scale2"))
        if value is None or value < 100:
            continue
        s, e = sentence_span(text, m.start(), m.end(), limit=400)
        if m.start() - s < 30 and re.search(r"(?:\bis|:)\s*$", text[max(0, s - 40): s]):
            s = sentence_span(text, max(0, s - 3), max(0, s - 2), limit=400)[0]  # "is\n\n$5"
        ctx_before = text[max(s, m.start() - 220): m.start()]
        ctx_after = text[m.end(): min(e, m.end() + 60)]
        score = 0.0
        cues = list(CUE.finditer(ctx_before[-160:])) or list(re.finditer(
            r"\bTotal\b[^$\n]{0,40}$", ctx_before, re.I))
        if cues:
            score += 2.0 + max(1.0 if re.search(r"estimat|total|value", c.group(), re.I) else 0
                               for c in cues)
        distract = [d.group() for d in DISTRACT.finditer(ctx_before[-90:] + m.group(0)[:1])]
        if UP_TO_AWARD.search(ctx_before) and all(d.lower().startswith("up") for d in distract):
            distract = []  # "in the amount of up to $1,984,144": the award's own ceiling
        if distract or DISTRACT.search(ctx_after[:40]):
            score -= 2.5
        near = ctx_before[-120:] + " " + ctx_after[:50]
        kind = next((k for pattern, k in KINDS if pattern.search(near)), "other")
        out.append(Money(value, m.group(0).strip(), m.start(), m.end(), kind, score))
    return out


def extract_amounts(doc: Document) -> dict[str, Any]:
    text = doc.text
    money = find_money(text)
    redacted = _redacted(text)
    headline = None
    # a value the document repeats far apart (summary, paragraph 3, approval line) is more
    # likely the one; rows of an option table repeating a price are not
    repeats: dict[float, int] = {}
    last: dict[float, int] = {}
    for m in money:
        if m.value not in last or m.start - last[m.value] > 300:
            repeats[m.value] = repeats.get(m.value, 0) + 1
        last[m.value] = m.start

    def rank(m: Money) -> float:
        return m.score + min(1.5, 0.5 * (repeats[m.value] - 1))
    candidates = sorted((m for m in money if m.score > 0), key=lambda m: (-rank(m), m.start))
    if not candidates and not redacted and (prompt := VALUE_PROMPT.search(text)):
        # the template asks for the estimated value and no figure is given: it was removed
        redacted = (*sentence_span(text, prompt.start(), prompt.end()), 1.0)
    if candidates and (not redacted or rank(candidates[0]) > redacted[2]):
        headline, redacted = candidates[0], None
    amount = None
    if headline:
        s, e = sentence_span(text, headline.start, headline.end)
        kind = headline.kind if headline.kind != "other" else "estimated_total"
        amount = {"value_usd": headline.value, "text": headline.text, "kind": kind,
                  "evidence": doc.evidence(s, e, (headline.start, headline.end)),
                  "confidence": min(0.95, 0.5 + 0.12 * headline.score)}
    elif redacted:
        s, e, _ = redacted
        amount = {"value_usd": None, "text": text[s:e].strip()[:200], "kind": "estimated_total",
                  "evidence": doc.evidence(s, e), "confidence": 0.6}
    others = [{"value_usd": m.value, "text": m.text, "kind": m.kind}
              for m in money if headline is None or m.start != headline.start]
    return {"amount": amount, "other_amounts": others[:25], "redacted_amount": bool(redacted)}


def _redacted(text: str) -> tuple[int, int, float] | None:
    """Where the headline value was blacked out or silently removed, if it was, and how
    surely that was the headline (an estimated/total value: 3; a ceiling or quote: 1.5)."""
    for m in CUE.finditer(text) if REDACTION.search(text) else ():
        tail = text[m.end(): m.end() + 90]
        red = REDACTION.search(tail)
        money = MONEY.search(tail)
        if red and (money is None or red.start() < money.start()):
            strength = 3.0 if re.search(r"estimat|total|value", m.group(), re.I) else 1.5
            return (*sentence_span(text, m.start(), m.end() + red.end()), strength)
    for m in SILENT.finditer(text):
        if not MONEY.search(text[m.start(): m.end() + 30]):
            return (*sentence_span(text, m.start(), m.end()), 3.0)
    return None


# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
MONEY = fast(MONEY, documents=True)
REDACTION = fast(REDACTION, documents=True)
SILENT = fast(SILENT, documents=True)
VALUE_PROMPT = fast(VALUE_PROMPT, documents=True)
CUE = fast(CUE)
DISTRACT = fast(DISTRACT)
UP_TO_AWARD = fast(UP_TO_AWARD)
