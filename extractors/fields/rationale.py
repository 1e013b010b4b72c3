"""One or two sentences from the document on why competition was not used."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from extractors.nlp import sentences
from extractors.types import Document
from fastscan import fast

CUES = [
    (3, re.compile(r"only\s+(?:one\s+)?(?:responsible\s+)?source|no\s+other\s+(?:source|"
                   r"vendor|company|firm|supplies)|sole\s+(?:source|provider|manufacturer)|"
                   r"unusual\s+and\s+compelling|urgen(?:t|cy)|proprietary|exclusive|unique|"
                   r"only\s+(?:vendor|company|firm|manufacturer|provider)|serious\s+(?:injury|"
                   r"harm)|"
                   r"(?:cannot|could\s+not)\s+(?:be\s+)?(?:met|satisf|provid)", re.I)),
    (1, re.compile(r"because|due\s+to|therefore|justif|rationale|necessary|required|"
                   r"delay|harm|risk|compatib|interoperab|data\s+rights|license", re.I)),
]
HEADING = re.compile(r"rationale|justification|reason|demonstration|nature\s+of|"
                     r"exception\s+to\s+competition", re.I)
# the section where a J&A argues its case (FAR 6.303-2(b)(5)/(6) and their look-alikes)
SECTION = re.compile(r"(?:^|\n)[ \t]*(?:\(?\d{1,2}[.)]|[IVX]{1,4}\.|[a-z]\.)?[ \t]*(?:Rationale|"
                     r"Demonstration\s+that|Unique\s+characteristics|Reason(?:s)?\s+for|"
                     r"Justification\s+for\s+(?:the\s+)?(?:sole|single|exception|use))", re.I)
NEXT_SECTION = re.compile(r"\n[ \t]*(?:\(?\d{1,2}[.)]|[IVX]{1,4}\.)[ \t]+[A-Z]")
FORM = re.compile(r"_{3,}|check\s+(?:one|all)|explain\s+below|\(\s*[xX ]?\s*\)\s*$|"
                  r"Regulation\s+\d+\.\d+|this\s+(?:sole\s+source\s+)?(?:determination|"
                  r"justification)\s+(?:has\s+been|is\s+being)\s+prepared", re.I)
# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
CUES = [(w, fast(p, documents=True)) for w, p in CUES]
ELSEWHERE = re.compile(r"solicit|synopsi|posted|publiciz|market\s+research|fair\s+and\s+"
                       r"reasonable|barriers|future\s+competition|contracting\s+officer\s+"
                       r"(?:certif|determin)", re.I)
CITES = re.compile(r"FAR\s+\d|U\.\s?S\.\s?C\.|^\s*(?:\d+\.\s*)?Authority")  # a sentence citing
# a label the sentence opens with: "Rationale:", "SUPPLEMENTARY INFORMATION:", "5. Demonstration
# that the Contractor's Unique Qualifications Require the Use of the Authority Cited:"
LABEL = re.compile(r"\s*(?:\(?[0-9A-Za-z]{1,3}[.)]\s*)?(?:[A-Z][\w'’&/()-]*\.?\s+"
                   r"(?:(?:[a-z]{1,4}|[A-Z][\w'’&/()-]*\.?)\s+){0,14})?[A-Z][\w'’&/()-]*\s*:\s+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
# the words a title leaves lowercase: they say nothing about whether a sentence argues
TITLE_WORDS = frozenset("and the for from due with than that into under over per via".split())
HEADING = fast(HEADING, documents=True)
SECTION = fast(SECTION, documents=True)
CITES = fast(CITES)
ELSEWHERE = fast(ELSEWHERE)
FORM = fast(FORM)


def _past_label(text: str, start: int, end: int) -> int:
    """Where the sentence's own words begin, after a label such as "Rationale:"."""
    m = LABEL.match(text, start, end)
    return m.end() if m else start


def _heading_like(sentence: str) -> bool:
    """Fewer than three lowercase words besides a title's "and"/"for": a title ("Justification
    for Other Than Full and Open Competition"), a letterhead, a form's labels. (Not a share of
    capitals: "The Naval Surface Warfare Center, Dahlgren Division (NSWCDD), intends to procure
    …" is mostly capitals and argues.)"""
    words = WORD.findall(sentence)
    lower = sum(w[0].islower() and w not in TITLE_WORDS for w in words)
    return lower < 3


def extract_rationale(doc: Document) -> dict[str, Any] | None:
    text = doc.text
    sections = []
    for m in SECTION.finditer(text):
        nxt = NEXT_SECTION.search(text, m.end())
        sections.append((m.end(), nxt.start() if nxt else min(len(text), m.end() + 3000)))
    # each cue found once over the text, then counted per sentence
    cue_at = sorted((m.start(), m.end(), w) for w, p in CUES for m in p.finditer(text))
    starts = [c[0] for c in cue_at]
    headings = [(m.start(), m.end()) for m in HEADING.finditer(text)]
    heading_starts = [h[0] for h in headings]
    candidates = []  # (highest score it can reach, score so far, start, end, in a section)
    for start, end in sentences(text):
        if end - start < 40 or end - start > 700:
            continue
        score = sum(w for _s, e, w in cue_at[bisect_left(starts, start):
                                             bisect_left(starts, end)] if e <= end)
        if any(e <= start for _s, e in headings[bisect_left(heading_starts, start - 200):
                                                bisect_left(heading_starts, start)]):
            score += 1  # a heading just above
        if score <= 0:
            continue  # what follows only lowers a score
        in_section = any(lo <= start < hi for lo, hi in sections)
        candidates.append((score + 4 * in_section, score, start, end, in_section))
    # the best score, the first sentence with it; read the likeliest first and stop when no
    # sentence left can reach the best found
    best: tuple[float, int, int] | None = None
    for bound, score, start, end, in_section in sorted(candidates, key=lambda c: (-c[0], c[2])):
        if best is not None and bound < best[0]:
            break
        start = _past_label(text, start, end)
        sentence = text[start:end]
        if end - start < 40 or _heading_like(sentence):
            continue  # a title, a letterhead or a form's labels: no argument made
        if CITES.search(sentence):
            score -= 3
        if in_section and score > 0:
            score += 4
        if ELSEWHERE.search(sentence):
            score -= 2
        if FORM.search(sentence):
            score -= 4  # a form's prompt, not the agency's answer
        if score > 0 and (best is None or (score, -start) > (best[0], -best[1])):
            best = (score, start, end)
    if best is None:
        return None
    _, start, end = best
    while end > start and text[end - 1].isspace():
        end -= 1
    return {"summary": re.sub(r"\s+", " ", text[start:end]).strip(),
            "evidence": doc.evidence(start, end)}
