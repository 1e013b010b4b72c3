"""Small text helpers shared by the field extractors."""

from __future__ import annotations

import re

_SENT_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\"“0-9])|\n\s*\n|"
                       r"\n(?=\s*(?:\(?\d{1,2}[.)]|[A-Z]\.)\s)|"
                       r"\n(?=[ \t]*Page\s+\d+\s+of\s+\d+[ \t]*(?:\n|$))")  # a page footer
_ABBREV = re.compile(r"(?:\bU\.\s?S\.\s?C|\bU\.S|\bC\.F\.R|\bInc|\bCorp|\bCo|\bLtd|\bNo|\bNos|"
                     r"\be\.g|\bi\.e|\betc|\bvs|\bMr|\bMs|\bDr|\bSt|\bJr|\bSr|\bSec|\bPub|\bL|"
                     r"\bStat|\bal|\bapprox|\bDept|\bDiv|\bpp?|\bF\.A\.R|\b[A-Z])\.$")


def _ends_here(text: str, m: re.Match[str]) -> bool:
    return not (text[m.start() - 1: m.start()] == "." and
                _ABBREV.search(text[max(0, m.start() - 8): m.start()]))


def _last_break(text: str, lo: int, hi: int) -> int | None:
    """The end of the last sentence break that ``finditer(text, lo, hi)`` finds, or None.

    Read back from ``hi`` a little at a time: a break is made of whitespace only, so from
    any position after a non-space character the breaks found are the ones a scan from
    ``lo`` finds there — the last one found nearby is the last one."""
    step = 160
    while True:
        pos = max(lo, hi - step)
        while pos > lo and text[pos - 1].isspace():
            pos -= 1
        last = None
        for m in _SENT_END.finditer(text, pos, hi):
            if _ends_here(text, m):
                last = m.end()
        if last is not None or pos == lo:
            return last
        step *= 4


def sentence_span(text: str, start: int, end: int | None = None, limit: int = 600
                  ) -> tuple[int, int]:
    """The sentence around [start, end): bounded by sentence ends or blank lines."""
    end = start if end is None else end
    lo = max(0, start - limit)
    left = _last_break(text, lo, start)
    left = lo if left is None else left
    right = min(len(text), end + limit)
    for m in _SENT_END.finditer(text, end, right):
        if _ends_here(text, m):
            right = m.start()
            break
    while left < start and text[left].isspace():
        left += 1
    return left, max(right, end)


def window(text: str, start: int, end: int, before: int = 160, after: int = 80) -> str:
    return text[max(0, start - before): start] + " \x00 " + text[end: end + after]


def before(text: str, start: int, n: int = 160) -> str:
    return text[max(0, start - n): start]
