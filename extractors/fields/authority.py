"""Authority citations (old and new FAR numbering, statutes) and their category."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from extractors.fields.common import sentence_span
from extractors.types import Document
from fastscan import fast

# a paragraph: (a), (1), (iii), (A) — not "(RFO)" after "FAR 6.103-1"
PAREN = r"(?P<paren>(?:\s?\(\s?(?:[a-zA-Z]|[ivxl]{2,5}|\d{1,2})\s?\))*)"
DASH = "-\u2010\u2011\u2012\u2013\u2014\u2212"  # and the hyphens a word processor puts in
FAR_RE = re.compile(
    r"(?P<prefix>\b(?:RFO\s+)?(?:FAR|F\.A\.R\.?|Federal\s+Acquisition\s+Regulations?"
    r"(?:\s*\(FAR\))?)(?:\s+(?:Class\s+)?Deviation)?\s*(?:Part\s+|Subpart\s+|§+\s*|"
    r"[Ss]ection\s+)?)?"
    rf"(?<![\d.])(?P<base>6\.30[2-7]|6\.10[34]|8\.405\s*[{DASH}]\s*6|13\.106\s*[{DASH}]\s*[13]|"
    rf"13\.501|13\.5\b|13\.101\s*[{DASH}]\s*3|16\.505|12\.102|8\.402|19\.808\s*[{DASH}]\s*1)"
    rf"(?P<dash>\s*[{DASH}]\s*\d{{1,2}}\b|(?<=6\.103)[1-7]\b|"
    r"(?<=6\.302)[1-7]\b)?" + PAREN)  # "FAR 6.1032": a dash lost in copying
_DASHES = str.maketrans({c: "-" for c in DASH})
USC_RE = re.compile(
    r"\b(?P<title>10|41|40|38|15)\s*(?:U\.?\s?S\.?\s?C\.?|United\s+States\s+Code,?)\s*"
    r"(?:§+\s*|[Ss]ec(?:tion|\.)\s*)?"
    r"(?P<sec>3304|3204|2304|253|252|1901|1903|152|501|8127|637)\b" + PAREN)
CHECKED = re.compile(r"[☒☑■✔✓]|\[\s*[xX]\s*\]|\(\s*[xX]\s*\)")
UNCHECKED = re.compile(r"[☐□]|\[\s*\]|\(\s*\)")

EXCEPTIONS = {
    "1": "only_one_source", "2": "urgency", "3": "industrial_mobilization_or_expert",
    "4": "international_agreement", "5": "authorized_by_statute", "6": "national_security",
    "7": "public_interest",
}
PROSE = [
    (re.compile(r"unusual\s+and\s+compelling\s+urgency", re.I), "2"),
    (re.compile(r"only\s+one\s+responsible\s+source", re.I), "1"),
    (re.compile(r"national\s+security", re.I), "6"),
    (re.compile(r"public\s+interest", re.I), "7"),
    (re.compile(r"international\s+agreement", re.I), "4"),
    (re.compile(r"authorized\s+or\s+required\s+by\s+statute", re.I), "5"),
    (re.compile(r"industrial\s+mobilization|expert\s+services", re.I), "3"),
]
PLAIN = {
    "only_one_source": "only one responsible source", "urgency": "unusual and compelling urgency",
    "industrial_mobilization_or_expert": "industrial mobilization, R&D capability or expert "
    "services", "international_agreement": "international agreement",
    "authorized_by_statute": "authorized or required by statute",
    "national_security": "national security", "public_interest": "public interest",
    "fss_limited_sources_8_405_6": "limited sources under a GSA Schedule (FAR 8.405-6)",
    "fair_opportunity_exception_16_505": "exception to fair opportunity (FAR 16.505)",
    "simplified_sole_source_13_106": "sole source under simplified procedures (FAR 13.106)",
    "sba_8a": "SBA 8(a) sole source", "other": "other authority",
}


@dataclass
class Cite:
    text: str  # normalized
    start: int
    end: int
    exception: str | None  # "1".."7" for a FAR Part 6 exception
    family: str  # "part6", "8.405", "16.505", "13.106", "12.102", "8.402", "statute-other"


def _paren(raw: str) -> str:
    """"(a) (1)" → "(a)(1)"; a letter l or I where the level under a lettered paragraph is
    numbered is a misread 1: "13.501(a)(l)(ii)" → "13.501(a)(1)(ii)"."""
    return re.sub(r"^(\([a-z]\))\([lI]\)", r"\1(1)", re.sub(r"\s+", "", raw or ""))


def find_citations(text: str) -> list[Cite]:
    out: list[Cite] = []
    for m in FAR_RE.finditer(text):
        base = re.sub(r"\s+", "", m.group("base")).translate(_DASHES)
        dash = re.sub(r"\s+", "", m.group("dash") or "").translate(_DASHES)
        if dash and not dash.startswith("-"):
            dash = "-" + dash
        if not m.group("prefix") and base in ("12.102", "8.402", "13.5", "13.501"):
            continue  # too ambiguous without "FAR"
        paren = _paren(m.group("paren"))
        norm = f"FAR {base}{dash}{paren}"
        exception = dash[1:] if base in ("6.302", "6.103") and dash[1:] in EXCEPTIONS else None
        if base in ("6.303", "6.304", "6.305", "6.306", "6.307", "6.104"):
            continue  # approvals, posting and the like: not an authority
        if base == "13.106-3" and not paren.startswith("(b)"):
            continue  # 13.106-3(a) is about price reasonableness
        family = ("part6" if base.startswith("6.") else "8.405" if base.startswith("8.405")
                  else "16.505" if base == "16.505" else "12.102" if base == "12.102"
                  else "8.402" if base == "8.402" else "8a" if base.startswith("19.808")
                  else "13.106")
        if base == "6.302" and not dash:
            exception = _prose_exception(text[m.end(): m.end() + 160])
        out.append(Cite(norm, m.start(), m.end(), exception, family))
    for m in USC_RE.finditer(text):
        title, sec, paren = m.group("title"), m.group("sec"), _paren(m.group("paren"))
        norm = f"{title} U.S.C. {sec}{paren}"
        exception = None
        pm = re.match(r"\(([ac])\)\((\d)\)", paren)
        if sec in ("3304", "3204") and pm and pm.group(1) == "a":
            exception = pm.group(2)
        elif sec in ("2304", "253", "252") and pm and pm.group(1) == "c":
            exception = pm.group(2)  # 252(c) is a common miscite of 253(c)
        if sec == "637" and (title != "15" or not paren.startswith("(a)")):
            continue  # 15 U.S.C. 637(a): the Small Business Act's 8(a) program
        family = "part6" if sec in ("3304", "3204", "2304", "253", "252") else (
            "13.106" if sec == "1901" and "(e)" in paren else "8a" if sec == "637"
            else "statute-other")
        out.append(Cite(norm, m.start(), m.end(), exception, family))
    cites = _only_checked(text, sorted(out, key=lambda c: c.start))
    cites = [c for c in cites if not EXCEPT_FOR.search(text[max(0, c.start - 80): c.start])
             and not UNLESS.search(text[max(0, c.start - 170): c.start])]
    cites = _drop_form_lists(text, cites)
    cites = _drop_menus(text, cites)
    return _drop_bare_when_specific(cites)


# FAR 5.101(b)(2) as the 2025 overhaul words it: no notice "except for the authorities at
# 6.103-1 … and 6.103-6" — those are named as exceptions to posting, not cited
EXCEPT_FOR = re.compile(r"\bexcept\s+(?:for\s+)?(?:the\s+)?authorit(?:y|ies)\s+(?:at|in|of)"
                        r"\s+(?:FAR\s+)?(?:[\d.()a-z-]+\s*(?:\([^)]{0,60}\)\s*)?(?:,|and|or)?\s*)*$",
                        re.I)
# "(unless the procurement is a limited source IAW FAR 8.405-6 or an Exception to Fair
# Opportunity IAW FAR 16.505(b)(2))": the conditions a template is not for
UNLESS = re.compile(r"\bunless\b(?:[^.;:!?]|\.(?=\d)){0,160}$", re.I)  # "8.405-6" goes on
MENU_GAP = re.compile(r"[\s,;/|•·-]{0,4}")


def _drop_menus(text: str, cites: list[Cite]) -> list[Cite]:
    """A template's header listing authorities back to back ("FAR 6.302 FAR 8.405-6 FAR
    13.106-1 FAR 16.505 FAR 19.808-1") offers choices; it cites none of them. A run of four
    or more citations with nothing but spaces or commas between them, from three or more
    families, is dropped unless one of them is ticked."""
    runs: list[list[Cite]] = []
    for c in cites:
        if runs and MENU_GAP.fullmatch(text[runs[-1][-1].end: c.start]):
            runs[-1].append(c)
        else:
            runs.append([c])
    drop: set[int] = set()
    for run in runs:
        if len(run) >= 4 and len({c.family for c in run}) >= 3 and not any(
                CHECKED.search(text[max(0, c.start - 12): c.start]) for c in run):
            drop.update(id(c) for c in run)
    return [c for c in cites if id(c) not in drop]


def _drop_bare_when_specific(cites: list[Cite]) -> list[Cite]:
    """"FAR 6.103, specifically 6.103-2": the bare section adds nothing."""
    texts = [c.text for c in cites]
    return [c for c in cites if not (re.fullmatch(r"FAR \d+\.\d+", c.text) and any(
        t.startswith(c.text + "-") or t.startswith(c.text + "(") for t in texts))]


def _drop_form_lists(text: str, cites: list[Cite]) -> list[Cite]:
    """A form that lists every Part 6 exception: keep the ticked item, or drop the list."""
    part6 = [c for c in cites if c.family == "part6" and c.exception]
    clusters: list[list[Cite]] = []
    for c in part6:
        gap = c.start - clusters[-1][-1].end if clusters else None
        if gap is not None and (gap < 400 or gap < 1500 and  # a list goes on in order, however
                                int(c.exception or 0) > int(clusters[-1][-1].exception or 0)):
            clusters[-1].append(c)  # long an item's description ("6.302-5 … (1) UNICOR …")
        else:
            clusters.append([c])
    drop: set[int] = set()
    for cluster in clusters:
        if len({c.exception for c in cluster}) < 4:
            continue
        ticked = []
        for i, c in enumerate(cluster):
            lo = cluster[i - 1].end if i else max(0, c.start - 150)
            item = text[lo: c.end]
            if CHECKED.search(item) or re.search(r"\(\s*[xX✓]\s*\)|\[\s*[xX]\s*\]", item):
                ticked.append(c.exception)
        for c in cluster:
            if c.exception not in ticked:
                drop.add(id(c))
    return [c for c in cites if id(c) not in drop]


def _prose_exception(after: str) -> str | None:
    for pattern, number in PROSE:
        if pattern.search(after):
            return number
    return None


def _only_checked(text: str, cites: list[Cite]) -> list[Cite]:
    """On forms that list every authority with a checkbox, keep the ticked ones."""
    marks = [c for c in cites if CHECKED.search(text[max(0, c.start - 12): c.start])
             or CHECKED.search(text[c.end: c.end + 6])]
    boxes = [c for c in cites if UNCHECKED.search(text[max(0, c.start - 12): c.start])]
    if marks and boxes:
        return marks
    if boxes and not marks:
        unboxed = [c for c in cites if c not in boxes]
        return unboxed or cites
    return cites


def category_for(cites: list[Cite]) -> str | None:
    part6 = [c.exception for c in cites if c.family == "part6" and c.exception]
    if any(c.family == "8a" for c in cites) and set(part6) <= {"5"}:
        return "sba_8a"  # an 8(a) sole source, which FAR 6.302-5(b)(4) authorizes by statute
    if part6:
        counts = Counter(part6)
        first = part6[0]
        best = max(counts, key=lambda k: (counts[k], k == first))
        return EXCEPTIONS[best]
    families = {c.family for c in cites}
    for fam, cat in (("8.405", "fss_limited_sources_8_405_6"),
                     ("16.505", "fair_opportunity_exception_16_505"),
                     ("13.106", "simplified_sole_source_13_106")):
        if fam in families:
            return cat
    if families & {"12.102", "8.402", "part6", "statute-other"}:
        return "other"
    return None


# "Pursuant to 36 CFR 51.24": an agency regulation (not the FAR, title 48) named as the basis
# of the action — an award authorized by statute and its regulations (FAR 6.302-5's category)
AUTHORIZING_CFR = re.compile(
    r"(?:pursuant\s+to|under\s+the\s+authority\s+of|authori[sz]ed\s+(?:by|under))\s+"
    r"(?P<cite>(?!48\b)(?P<title>\d{1,2})\s+C\.?\s?F\.?\s?R\.?\s+(?:[Pp]art\s+)?"
    r"(?P<sec>\d+(?:\.\d+)?(?:-\d+)?)(?P<paren>(?:\([a-z0-9]{1,4}\))*))", re.I)


def _authorizing_regulation(doc: Document) -> dict[str, Any] | None:
    text = doc.text
    found = list(AUTHORIZING_CFR.finditer(text))
    if not found:
        return None
    citations = list(dict.fromkeys(f"{m['title']} CFR {m['sec']}{m['paren']}" for m in found))
    first = found[0]
    s, e = sentence_span(text, first.start(), first.end())
    return {"citations": citations, "category": "authorized_by_statute",
            "evidence": doc.evidence(s, e, (first.start("cite"), first.end("cite"))),
            "confidence": 0.7}


def extract_authority(doc: Document, doc_kind: str | None = None) -> dict[str, Any] | None:
    text = doc.text
    cites = find_citations(text)
    if not cites and (regulation := _authorizing_regulation(doc)):
        return regulation
    if not cites:
        simplified = re.search(r"s\s?ole\s+source\s+justification\s+for\s+simplified\s+"
                               r"acquisitions?|simplified\s+acquisition[^.\n]{0,60}sole[- ]source",
                               text[:1500], re.I)
        if doc_kind not in ("fr_sole_source_notice", "not_a_justification") and simplified:
            ev = doc.evidence(*sentence_span(text, simplified.start(), simplified.end()))
            return {"citations": [], "category": "simplified_sole_source_13_106", "evidence": ev,
                    "confidence": 0.5}
        if doc_kind == "fr_sole_source_notice":
            m = re.search(r"Justification for the Exception to Competition|single[- ]source|"
                          r"sole[- ]source", text, re.I)
            ev = doc.evidence(*sentence_span(text, m.start(), m.end())) if m else None
            return {"citations": [], "category": "other", "evidence": ev, "confidence": 0.5}
        return None
    ticked = [c for c in cites if c.family == "part6" and c.exception and re.search(
        r"(?:\(\s*[xX✓]\s*\)|\[\s*[xX✓]\s*\]|[☒☑■✔✓])[^\n]{0,60}$", text[max(0, c.start - 80):
                                                                    c.start])]
    category = category_for(ticked or cites)
    if category == "other" and any(c.family == "part6" for c in cites):
        # "FAR 6.302 ... on the basis of unusual and compelling urgency": the words say which
        number = _prose_exception(text)
        category = EXCEPTIONS[number] if number else category
    chosen = _primary(cites, category)
    longest: dict[str, str] = {}
    for c in cites:
        key = re.sub(r"\(.*$", "", c.text)
        if len(c.text) > len(longest.get(key, "")):
            longest[key] = c.text
    citations = list(dict.fromkeys(longest[re.sub(r"\(.*$", "", c.text)] for c in cites))
    s, e = sentence_span(text, chosen.start, chosen.end)
    return {"citations": citations, "category": category,
            "evidence": doc.evidence(s, e, (chosen.start, chosen.end)),
            "confidence": 0.9 if category else 0.5}


def _primary(cites: list[Cite], category: str | None) -> Cite:
    for c in cites:
        if c.exception and EXCEPTIONS.get(c.exception) == category:
            return c
    return cites[0]


def plain_words(category: str | None) -> str:
    return PLAIN.get(category or "", "not stated")


# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
FAR_RE = fast(FAR_RE, documents=True)
USC_RE = fast(USC_RE, documents=True)
AUTHORIZING_CFR = fast(AUTHORIZING_CFR)
CHECKED = fast(CHECKED)
UNCHECKED = fast(UNCHECKED)
