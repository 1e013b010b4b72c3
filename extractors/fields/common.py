"""Small text helpers shared by the field extractors."""

from __future__ import annotations

import re

_SENT_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\"“0-9])|\n\s*\n|"
                       r"\n(?=\s*(?:\(?\d{1,2}[.)]|[A-Z]\.)\s)|"
                       r"\n(?=[ \t]*Page\s+\d+\s+of\s+\d+[ \t]*(?:\n|$))")  # a page footer
_ABBREV = re.compile(r"(?:\bU\.\s?S\.\s?C|\bU\.S|\bC\.F\.R|\bInc|\bCorp|\bCo|\bLtd|\bNo|\bNos|"
                     r"\be\.g|\bi\.e|\betc|\bvs|\bMr|\bMs|\bDr|\bSt|\bJr|\bSr|\bSec|\bPub|\bL|"
                     r"\bStat|\bal|\bapprox|\bDept|\bDiv|\bpp?|\bF\.A\.R|\b[A-Z])\.$")


def _boundaries(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENT_END.finditer(text, lo, hi)
            if not (text[m.start() - 1: m.start()] == "." and
                    _ABBREV.search(text[max(0, m.start() - 8): m.start()]))]


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def sentence_span(text: str, start: int, end: int | None = None, limit: int = 600
                  ) -> tuple[int, int]:
    """The sentence around [start, end): bounded by sentence ends or blank lines."""
    end = start if end is None else end
    lo = max(0, start - limit)
    left = lo
    for _b_start, b_end in _boundaries(text, lo, start):
        left = b_end
    after = _boundaries(text, end, min(len(text), end + limit))
    right = after[0][0] if after else min(len(text), end + limit)
    while left < start and text[left].isspace():
        left += 1
    return left, max(right, end)


def window(text: str, start: int, end: int, before: int = 160, after: int = 80) -> str:
    return text[max(0, start - before): start] + " \x00 " + text[end: end + after]


def before(text: str, start: int, n: int = 160) -> str:
    return text[max(0, start - n): start]
