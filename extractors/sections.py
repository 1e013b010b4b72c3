"""The numbered sections of a justification's template, found before any field is read.

Most justifications follow a numbered template — FAR 6.303-2's twelve items (6.104-1(a) in
the 2025-26 numbering), FAR 8.405-6(c)(2), 13.106-3(b)(3), and the DoD, DHS and VA formats.
Each item holds one kind of fact: the estimated value sits in the description of supplies,
the procurement's history in market research and "other facts". ``find_sections`` finds the
headings and names each section's kind, so a field can be read from the section that holds
it, and a date told in the history is not taken for this action's deadline.

    >>> text = ("1. Agency: Department of the Navy.\\n"
    ...         "2. Nature of the action: a sole source order.\\n"
    ...         "8. Market Research: A sources sought notice closed March 3, 2024.\\n")
    >>> [(s.number, s.kind) for s in find_sections(text)]
    [('1', 'agency'), ('2', 'action'), ('8', 'market_research')]

A numbered line is a heading when its words name a template item, or when it carries the next
number in the same style as the headings already found ("(1)", "1.", "I.", "A."). A numbered
list inside a section (a), b), (1) …) in another style stays inside it. Where no structure
is found the list is empty and the fields read the whole text, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

HEADING = re.compile(
    r"""(?m)^[ \t]*(?:Section[ \t]+)?
        (?P<enum>\((?P<pn>\d{1,2})\) | (?P<dn>\d{1,2})[.)] | (?P<rn>[IVX]{1,5})\. |
           (?P<ln>[A-H])\.)
        [ \t]+(?P<title>\S[^\n]{0,200})""", re.X)
# (kind, words of its heading), the first that matches wins: the order settles headings that
# name two things ("Determination … that the anticipated cost … will be fair and reasonable")
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("certification", re.compile(r"^(?:[\w' ]{0,30})certif\w*|^(?:contracting\s+officer'?s?\s+)?"
                                 r"(?:approval|concurrence|recommendation|signature)", re.I)),
    ("fair_price", re.compile(r"fair\s+and\s+reasonable|anticipated\s+cost|price\s+reasonable",
                              re.I)),
    ("efforts", re.compile(r"efforts?\s+(?:made\s+)?to\s+(?:ensure|solicit|obtain|increase)|"
                           r"actions?\s+to\s+increase\s+competition|offers\s+are\s+solicited",
                           re.I)),
    ("market_research", re.compile(r"market\s+(?:research|analysis)", re.I)),
    ("sources", re.compile(r"list(?:ing)?\s+of\s+(?:the\s+)?sources|sources?[^.\n]{0,30}"
                           r"expressed|interested\s+(?:sources|parties|vendors)", re.I)),
    ("barriers", re.compile(r"remove\s+or\s+overcome|barriers", re.I)),
    ("other_facts", re.compile(r"other\s+facts|(?:acquisition|procurement|contract(?:ual)?|"
                               r"program)\s+history|^history|^background", re.I)),
    ("unique", re.compile(r"^(?:an?\s+)?demonstrat\w+|unique\s+qualif", re.I)),
    ("authority", re.compile(r"statutory\s+authority|authority\s+(?:cited|permitting)|"
                             r"identification\s+of\s+(?:the\s+)?(?:statutory\s+)?authority|"
                             r"^authority", re.I)),
    ("unique", re.compile(r"unique|demonstrat\w+|rationale|reason\s+for|justification\b|"
                          r"only\s+one\s+source|urgency", re.I)),
    ("supplies", re.compile(r"description\s+of\s+(?:the\s+)?(?:supplies|services|items?|"
                            r"requirement)|supplies\s*/\s*services|supplies\s+or\s+services|"
                            r"estimated\s+(?:value|amount|dollar|cost)|dollar\s+value", re.I)),
    ("action", re.compile(r"nature|description\s+of\s+(?:the\s+)?action|proposed\s+action",
                          re.I)),
    ("agency", re.compile(r"agency|contracting\s+activity|requiring\s+activity|"
                          r"program\s+office", re.I)),
]
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
         "X": 10, "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15}
# where a procurement tells its own past: the sources sought, who answered, and when
HISTORY_KINDS = frozenset({"market_research", "efforts", "sources"})


@dataclass(frozen=True)
class Section:
    """One template item: its number as written, its kind, and where it runs in the text."""

    number: str
    kind: str
    title: str
    start: int
    end: int


def _kind(title: str) -> str:
    head = title[:160]
    return next((kind for kind, words in KINDS if words.search(head)), "other")


def _style_and_value(m: re.Match[str]) -> tuple[str, int, str]:
    if m.group("pn"):
        return "paren", int(m.group("pn")), m.group("pn")
    if m.group("dn"):
        return "dot" + m.group("enum")[-1], int(m.group("dn")), m.group("dn")
    if m.group("rn"):
        return "roman", ROMAN.get(m.group("rn"), 0), m.group("rn")
    letter = m.group("ln")
    return "letter", ord(letter) - ord("A") + 1, letter


@lru_cache(maxsize=4)
def find_sections(text: str) -> tuple[Section, ...]:
    """The template's sections in order; empty when fewer than two headings are found.
    (Cached: the date and vendor readers both ask, of the same text.)"""
    heads: list[tuple[int, str, str, str]] = []  # (start, number, kind, title)
    style: str | None = None
    last = 0
    for m in HEADING.finditer(text):
        this_style, value, number = _style_and_value(m)
        kind = _kind(m.group("title"))
        if style is None:
            if kind == "other" or value > 15:
                continue
            style = this_style
        elif this_style != style or value <= last or value > 15:
            continue  # a list inside a section, or a stray number
        elif kind == "other" and value != last + 1:
            continue  # only a named item may skip numbers (a template cut short)
        heads.append((m.start(), number, kind, m.group("title").strip()))
        last = value
    if len(heads) < 2:
        return ()
    out = []
    for i, (start, number, kind, title) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        out.append(Section(number, kind, title, start, end))
    return tuple(out)


def section_at(sections: tuple[Section, ...], offset: int) -> Section | None:
    """The section holding ``offset``, or None (before the first heading, or no structure)."""
    for section in sections:
        if section.start <= offset < section.end:
            return section
    return None
