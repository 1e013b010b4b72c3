"""Small text helpers shared by the field extractors."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

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


# -- faster scanning ------------------------------------------------------------------------
# Python's re scans a case-insensitive pattern that starts with a word one position at a time
# through the whole pattern. Prefixing the set of characters a match can start with, as a
# lookahead, lets it reject most positions at once: the same matches, 2-4x sooner. Only for
# patterns that re cannot already skip ahead on (those starting with a literal or a
# case-sensitive set), nor where the set is large or holds spaces (digits, "\n\s*"): there the
# lookahead costs more than it saves — measured pattern by pattern (3-10x slower), not guessed.

_GIVE_UP = object()
MAX_START_SET = 64


def _first(items: list[Any], ignore_case: bool) -> tuple[set[str] | object, bool]:
    """The characters a match of ``items`` can start with, and whether it can be empty."""
    from re import _constants as c  # type: ignore[attr-defined]

    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            ch = chr(av)
            return out | (_variants(ch) if ignore_case else {ch}), False
        if op is c.IN:
            chars = _class(av, ignore_case)
            return (_GIVE_UP, False) if chars is _GIVE_UP else (out | chars, False)  # type: ignore[operator]
        if op is c.BRANCH:
            nullable = False
            for alt in av[1]:
                got, empty = _first(alt, ignore_case)
                if got is _GIVE_UP:
                    return _GIVE_UP, False
                out |= got  # type: ignore[arg-type]
                nullable = nullable or empty
            if not nullable:
                return out, False
            continue
        if op is c.SUBPATTERN:
            _group, add, remove, sub = av
            case = (ignore_case or bool(add & c.SRE_FLAG_IGNORECASE)) and not (
                remove & c.SRE_FLAG_IGNORECASE)
            got, empty = _first(list(sub), case)
            if got is _GIVE_UP:
                return _GIVE_UP, False
            out |= got  # type: ignore[arg-type]
            if not empty:
                return out, False
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            got, empty = _first(list(sub), ignore_case)
            if got is _GIVE_UP:
                return _GIVE_UP, False
            out |= got  # type: ignore[arg-type]
            if low > 0 and not empty:
                return out, False
            continue
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width
        return _GIVE_UP, False
    return out, True


def _class(items: list[Any], ignore_case: bool) -> set[str] | object:
    from re import _constants as c  # type: ignore[attr-defined]

    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            out.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] < 128:
            out.update(chr(i) for i in range(av[0], av[1] + 1))
        else:  # \s, \d, \w, negated sets, wide ranges: too many characters to filter on
            return _GIVE_UP
    if ignore_case:
        out = set().union(*(_variants(ch) for ch in out))
    return out


@lru_cache(maxsize=1)
def _cased() -> str:
    """The cased characters of the Basic Multilingual Plane: no case rule links one of them
    to a character beyond it (checked over all of Unicode), and our patterns start with BMP
    characters."""
    return "".join(ch for ch in map(chr, range(0x10000)) if ch.lower() != ch or ch.upper() != ch)


@lru_cache(maxsize=1024)
def _variants(ch: str) -> frozenset[str]:
    """Every character ``re.IGNORECASE`` lets ``ch`` match (k: K, k and the Kelvin sign),
    asked of the re engine itself so that its own case rules hold."""
    if ch.lower() == ch == ch.upper():
        return frozenset(ch)
    if ord(ch) > 0xFFFF:  # beyond the BMP, case is plain lower/upper pairs
        return frozenset({ch, ch.lower(), ch.upper()})
    return frozenset({ch, *re.findall("(?i)" + re.escape(ch), _cased())})


def fast(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a lookahead for the characters its matches can start with (when
    those can be known): the same matches, found faster."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern.pattern, pattern.flags)
    chars, empty = _first(list(parsed), bool(pattern.flags & re.I))
    if chars is _GIVE_UP or empty or not chars or len(chars) > MAX_START_SET or any(  # type: ignore[arg-type]
            ch.isspace() for ch in chars):  # type: ignore[union-attr]
        return pattern  # a start set that common characters pass filters nothing: it only costs
    cls = "".join(sorted(re.escape(ch) for ch in chars))  # type: ignore[union-attr]
    return re.compile(f"(?=(?-i:[{cls}]))(?:{pattern.pattern})", pattern.flags)


def speed_up(namespace: dict[str, Any], names: str) -> None:
    """``fast`` for each named module-level pattern: ``speed_up(globals(), "CUE MONEY")``."""
    for name in names.split():
        namespace[name] = fast(namespace[name])
