"""Faster whole-document scans: RE2 finds where a pattern could match, ``re`` confirms.

Python's ``re`` tries a pattern at every position of a document, and for the
case-insensitive phrase patterns the field extractors use that costs 15–50 ns a character
each: with dozens of patterns, scanning was most of extraction time. RE2 (google-re2, a
DFA) scans for the same phrase in ~1.5 ns a character but has no lookarounds and reads
``\\w``, ``\\s`` and ``\\b`` as ASCII. So each pattern gets a *looser* RE2 twin — the same
pattern with lookarounds and anchors dropped, case rules and character classes widened to
cover Python's — which matches wherever the original can start (and some places it
cannot). The twin proposes start positions; the original ``re`` pattern, tried only there,
decides. Matches, groups and spans are exactly those of ``re``: :func:`fast` wraps a
compiled pattern, and ``tests/test_scan.py`` checks the equivalence and the widened classes.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from array import array
from collections.abc import Iterator
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

log = logging.getLogger(__name__)

try:
    import re2
except ImportError:  # pragma: no cover - google-re2 is a dependency; without it, plain re
    re2 = None

#: below this many characters ``re`` alone is quicker than preparing the text for RE2
MIN_TEXT = 64
#: the last texts this long (documents, and parts of them) and the last shorter one (a window
#: scanned by several patterns) keep their UTF-8 form for the next pattern, per thread
CACHED_TEXT = 4096
CACHED_DOCUMENTS = 3

# Python's classes for str patterns, widened (a superset, for a positive class: exact in
# ASCII, every other character let in, which keeps RE2's program small) or narrowed (a
# subset, to negate). tests/test_scan.py checks each claim over all of Unicode.
ANY_NON_ASCII = r"\x{80}-\x{10ffff}"
WIDE = {
    C.CATEGORY_DIGIT: "0-9" + ANY_NON_ASCII,
    C.CATEGORY_SPACE: r"\t-\r\x{1c}-\x{20}" + ANY_NON_ASCII,
    C.CATEGORY_WORD: "0-9A-Za-z_" + ANY_NON_ASCII,
    C.CATEGORY_LINEBREAK: r"\n",
}
NARROW = {
    C.CATEGORY_DIGIT: "0-9",
    C.CATEGORY_SPACE: r"\t\n\f\r ",
    C.CATEGORY_WORD: "0-9A-Za-z_",
    C.CATEGORY_LINEBREAK: r"\n",
}
NEGATED = {
    C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
    C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
    C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK,
}
MAX_COUNT = 3  # a longer counted repeat becomes unbounded in the twin
MAX_PROGRAM = 5000  # bigger twins outgrow RE2's DFA memory and fall back to its slow NFA


class Untranslatable(Exception):
    """The pattern uses something the looser twin cannot stand for (a backreference)."""


def _char(code: int) -> str:
    return f"\\x{{{code:x}}}"


@lru_cache(maxsize=4096)
def _variants(code: int) -> tuple[int, ...]:
    """Every character ``re.IGNORECASE`` lets ``chr(code)`` match, asked of ``re`` itself
    among the candidates Unicode's case mappings give (tests check none is missed)."""
    ch = chr(code)
    if ch.lower() == ch == ch.upper():
        return (code,)
    near = {ch}
    for c in (ch, ch.lower(), ch.upper(), ch.casefold(), ch.title(), _ODD_LOWER.get(ch, ch)):
        if len(c) == 1:
            near |= {c, c.lower(), c.upper(), *_PREIMAGES.get(c.lower(), "")}
    near = {c for c in near if len(c) == 1}
    near |= {x for c in list(near) for x in _EXTRA.get(c, "")}
    probe = re.compile(re.escape(ch), re.I)
    return tuple(sorted(ord(c) for c in near if probe.fullmatch(c)))


# characters whose lowercase is a letter that does not uppercase back to them (Kelvin sign,
# ohm sign, titlecase digraphs, İ by its simple mapping): k → K. Found over all of Unicode
# by tests/test_scan.py, which fails if a Python's Unicode tables add one.
ODD_CASES = ("i\u0130 \u01c6\u01c5 \u01c9\u01c8 \u01cc\u01cb \u01f3\u01f2 \u03b8\u03f4 "
             "\xdf\u1e9e \u1f80\u1f88 \u1f81\u1f89 \u1f82\u1f8a \u1f83\u1f8b \u1f84\u1f8c "
             "\u1f85\u1f8d \u1f86\u1f8e \u1f87\u1f8f \u1f90\u1f98 \u1f91\u1f99 \u1f92\u1f9a "
             "\u1f93\u1f9b \u1f94\u1f9c \u1f95\u1f9d \u1f96\u1f9e \u1f97\u1f9f \u1fa0\u1fa8 "
             "\u1fa1\u1fa9 \u1fa2\u1faa \u1fa3\u1fab \u1fa4\u1fac \u1fa5\u1fad \u1fa6\u1fae "
             "\u1fa7\u1faf \u1fb3\u1fbc \u1fc3\u1fcc \u1ff3\u1ffc \u03c9\u2126 k\u212a "
             "\xe5\u212b")
_PREIMAGES: dict[str, str] = {}
_ODD_LOWER: dict[str, str] = {}
for _pair in ODD_CASES.split():
    _PREIMAGES[_pair[0]] = _PREIMAGES.get(_pair[0], "") + _pair[1]
    _ODD_LOWER[_pair[1]] = _pair[0]
# the pairs re.IGNORECASE adds beyond lowercase (re._casefix: s and ſ, i and ı, ...)
_EXTRA: dict[str, str] = {}
for _a, _others in __import__("re._casefix", fromlist=["_EXTRA_CASES"])._EXTRA_CASES.items():
    for _o in _others:
        _EXTRA[chr(_a)] = _EXTRA.get(chr(_a), "") + chr(_o)


def _class_items(items: list[Any], ignore_case: bool, widen: bool) -> str:
    out = []
    for op, av in items:
        if op is C.LITERAL:
            codes = _variants(av) if ignore_case and widen else (av,)
            out.extend(_char(c) for c in codes)
        elif op is C.RANGE:
            lo, hi = av
            out.append(f"{_char(lo)}-{_char(hi)}")
            if ignore_case and widen:
                if hi - lo > 400:
                    raise Untranslatable("a wide case-insensitive range")
                out.extend(_char(c) for i in range(lo, hi + 1) for c in _variants(i) if c != i)
        elif op is C.CATEGORY:
            if av in NEGATED:  # _in keeps these out of classes
                raise Untranslatable("a negated category inside a class")
            out.append((WIDE if widen else NARROW)[av])
        else:
            raise Untranslatable(f"class item {op}")
    return "".join(out)


def _in(items: list[Any], ignore_case: bool) -> str:
    negate = bool(items) and items[0][0] is C.NEGATE
    if negate:
        items = items[1:]
        if any(op is C.CATEGORY and av in NEGATED for op, av in items):
            raise Untranslatable("a negated class holding a negated category")
        return f"[^{_class_items(items, ignore_case, widen=False)}]"
    singles = [(op, av) for op, av in items if not (op is C.CATEGORY and av in NEGATED)]
    negs = [av for op, av in items if op is C.CATEGORY and av in NEGATED]
    parts = []
    if singles:
        parts.append(f"[{_class_items(singles, ignore_case, widen=True)}]")
    parts.extend(f"[^{NARROW[NEGATED[av]]}]" for av in negs)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _seq(items: Any, flags: int) -> str:
    return "".join(_node(op, av, flags) for op, av in items)


def _node(op: Any, av: Any, flags: int) -> str:
    ignore_case = bool(flags & re.I)
    if op is C.LITERAL:
        codes = _variants(av) if ignore_case else (av,)
        return _char(codes[0]) if len(codes) == 1 else "[" + "".join(map(_char, codes)) + "]"
    if op is C.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is C.ANY:
        return "(?s:.)" if flags & re.S else "."
    if op is C.IN:
        return _in(list(av), ignore_case)
    if op is C.CATEGORY:
        return _in([(C.CATEGORY, av)], ignore_case)
    if op is C.BRANCH:
        return "(?:" + "|".join(_seq(alt, flags) for alt in av[1]) + ")"
    if op is C.SUBPATTERN:
        _group, add, remove, sub = av
        return "(?:" + _seq(sub, (flags | add) & ~remove) + ")"
    if op is C.ATOMIC_GROUP:
        return "(?:" + _seq(av, flags) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        inner = "(?:" + _seq(sub, flags) + ")"
        if hi is C.MAXREPEAT or hi > MAX_COUNT:  # unbounded is looser, and far smaller
            return inner + ("*" if lo == 0 else "+" if lo == 1 else f"{{{min(lo, MAX_COUNT)},}}")
        return inner + ("?" if (lo, hi) == (0, 1) else f"{{{lo},{hi}}}")
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return ""  # zero width: dropping a condition only loosens the twin
    raise Untranslatable(f"{op}")


def twin(pattern: re.Pattern[str]) -> str:
    """The looser RE2 pattern that matches wherever ``pattern`` can start a match."""
    if not isinstance(pattern.pattern, str):
        raise Untranslatable("a bytes pattern")
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    if parsed.getwidth()[0] == 0:
        raise Untranslatable("it can match the empty string")
    first = list(parsed)[0]
    if first[0] is C.AT and first[1] in (C.AT_BEGINNING, C.AT_BEGINNING_STRING) and not (
            pattern.flags & re.M and first[1] is C.AT_BEGINNING):
        raise Untranslatable("anchored at the start: re tries one place only")
    return _seq(parsed, pattern.flags)


class _Text:
    """A document's UTF-8 bytes and the map between byte and character offsets."""

    __slots__ = ("text", "data", "chars", "ends", "extra")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        # machine integers, not Python ones: a long non-Latin text stays a few bytes a character
        self.chars = array("q")  # index of each non-ASCII character
        self.ends = array("q")  # the byte offset just after it
        self.extra = array("q")  # bytes beyond one per character, up to and with it
        if len(self.data) != len(text):
            import numpy as np  # (spaCy's own dependency) one pass in C, not one per character

            data = np.frombuffer(self.data, np.uint8)
            lead = np.flatnonzero(data >= 0xC0)  # the first byte of each non-ASCII character
            width = 2 + (data[lead] >= 0xE0) + (data[lead] >= 0xF0)  # its UTF-8 length
            extra = np.cumsum(width - 1)  # (a lone surrogate, passed through, is 3 bytes)
            self.chars.frombytes((lead - extra + width - 1).astype(np.int64).tobytes())
            self.ends.frombytes((lead + width).astype(np.int64).tobytes())
            self.extra.frombytes(extra.astype(np.int64).tobytes())

    def char(self, byte: int) -> int:
        k = bisect.bisect_right(self.ends, byte) if self.ends else 0
        return byte - (self.extra[k - 1] if k else 0)

    def byte(self, char: int) -> int:
        k = bisect.bisect_left(self.chars, char) if self.chars else 0
        return char + (self.extra[k - 1] if k else 0)


_local = threading.local()


def _prepared(text: str) -> _Text:
    if len(text) < CACHED_TEXT:  # a window: never evicts a document
        last = getattr(_local, "window", None)
        if last is None or last.text is not text:
            last = _local.window = _Text(text)
        return last
    recent: list[_Text] = _local.__dict__.setdefault("documents", [])
    for i, kept in enumerate(recent):  # the document, and a part of it another field reads
        if kept.text is text:
            if i:
                recent.insert(0, recent.pop(i))
            return kept
    recent.insert(0, _Text(text))
    del recent[CACHED_DOCUMENTS:]
    return recent[0]


class FastPattern:
    """A compiled ``re`` pattern whose whole-text ``finditer``/``search``/``findall`` let
    its RE2 twin skip ahead. Everything else is the pattern's own."""

    def __init__(self, pattern: re.Pattern[str], looser: Any) -> None:
        self._re = pattern
        self._twin = looser
        raw = getattr(looser, "_regexp", None)  # the C++ object: no Match object per hit
        if raw is not None and hasattr(raw, "Match"):
            unanchored = re2._Anchor.UNANCHORED

            def next_start(data: bytes, pos: int, end: int) -> int:
                return raw.Match(unanchored, data, pos, end)[0][0]  # (-1, -1): no match
            self._next_start = next_start
        self.pattern, self.flags, self.groups = pattern.pattern, pattern.flags, pattern.groups
        self.groupindex = pattern.groupindex
        self.match, self.fullmatch, self.sub = pattern.match, pattern.fullmatch, pattern.sub
        self.subn, self.split = pattern.subn, pattern.split

    def __getattr__(self, name: str) -> Any:
        return getattr(self._re, name)

    def __repr__(self) -> str:
        return f"fast({self._re!r})"

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None
                 ) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else min(endpos, len(text))
        if end - pos < MIN_TEXT:
            return self._re.finditer(text, pos, end)
        return self._scan(text, pos, end)

    def _scan(self, text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
        prepared = _prepared(text)
        data, match, next_start = prepared.data, self._re.match, self._next_start
        if not prepared.chars:  # ASCII: bytes and characters line up
            while pos <= end:
                start = next_start(data, pos, end)
                if start < 0:
                    return
                m = match(text, start, end)
                if m is not None:
                    yield m
                    start = m.end() - 1  # never empty: twin() refuses patterns that can be
                pos = start + 1
            return
        bpos, bend = prepared.byte(pos), prepared.byte(end)
        while bpos <= bend:
            hit = next_start(data, bpos, bend)
            if hit < 0:
                return
            start = prepared.char(hit)
            m = match(text, start, end)
            if m is not None:
                yield m
                start = m.end() - 1
            bpos = prepared.byte(start + 1)

    def _next_start(self, data: bytes, pos: int, end: int) -> int:
        """Where the twin first matches in ``data[pos:end]``, or -1."""
        hit = self._twin.search(data, pos, end)
        return -1 if hit is None else hit.start()

    def search(self, text: str, pos: int = 0, endpos: int | None = None
               ) -> re.Match[str] | None:
        end = len(text) if endpos is None else min(endpos, len(text))
        if end - pos < MIN_TEXT:
            return self._re.search(text, pos, end)
        return next(self._scan(text, pos, end), None)

    def findall(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        if len(text) < MIN_TEXT:
            return self._re.findall(text, pos, *(() if endpos is None else (endpos,)))
        groups = self._re.groups
        return [m.group() if groups == 0 else m.group(1) if groups == 1 else m.groups()
                for m in self.finditer(text, pos, endpos)]


def fast(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern``, scanning whole documents through its RE2 twin where it has one."""
    if re2 is None or isinstance(pattern, FastPattern):
        return pattern
    try:
        looser = re2.compile(twin(pattern))
        if looser.programsize > MAX_PROGRAM:
            raise Untranslatable(f"its twin is too big for RE2's DFA ({looser.programsize})")
    except Untranslatable as why:
        log.debug("plain re for %.60r: %s", pattern.pattern, why)
        return pattern
    except re2.error as exc:  # too big for RE2's memory budget, say
        log.debug("plain re for %.60r: RE2 refused it: %s", pattern.pattern, exc)
        return pattern
    return FastPattern(pattern, looser)  # type: ignore[return-value]


def speed_up(namespace: dict[str, Any], names: str) -> None:
    """``fast`` for each named module-level pattern: ``speed_up(globals(), "CUE MONEY")``."""
    for name in names.split():
        namespace[name] = fast(namespace[name])
