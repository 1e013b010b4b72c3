"""The engine behind :func:`fastscan.fast` (see the package's docstring)."""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import platform
import re
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

log = logging.getLogger(__name__)

try:
    import re2
except ImportError:  # pragma: no cover - google-re2 is a dependency; without it, plain re
    re2 = None
try:
    import hyperscan
except ImportError:  # pragma: no cover - no wheel on Linux ARM: RE2 scans it all
    hyperscan = None

#: below this many characters ``re`` alone is quicker than preparing the text for RE2
MIN_TEXT = 64
#: the last texts this long (documents, and parts of them) and the last shorter one (a window
#: scanned by several patterns) keep their UTF-8 form for the next pattern, per thread
CACHED_TEXT = 4096
CACHED_DOCUMENTS = 3
#: texts this long are read by all the whole-document patterns in one Hyperscan pass; for a
#: shorter one (a window some field looks into) RE2 is quicker pattern by pattern
ONE_PASS_TEXT = 1024

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
# the same for Hyperscan's twins, which read every non-ASCII character as the byte 0x80
HS_WIDE = {category: chars.replace(ANY_NON_ASCII, r"\x80") for category, chars in WIDE.items()}
ANY_BYTE = r"[\x00-\xff]"
MAX_COUNT = 3  # a longer counted repeat becomes unbounded in the twin
MAX_PROGRAM = 5000  # bigger twins outgrow RE2's DFA memory and fall back to its slow NFA


class Untranslatable(Exception):
    """The pattern uses something the looser twin cannot stand for (a backreference)."""


def _char(code: int) -> str:
    return f"\\x{{{code:x}}}"


def _fold(code: int) -> int:
    """A character as Hyperscan's twins read it: see :func:`folded`."""
    return code if code < 0x80 else _FOLD.get(code, 0x80)


def _hs_char(code: int) -> str:
    return f"\\x{_fold(code):02x}"


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


# the non-ASCII characters re.IGNORECASE equates with an ASCII letter (ſ and s, K and k, İ
# and ı with i): Hyperscan's twins read them as that letter, so "ſ" still matches [Ss]
_FOLD = {c: ord(chr(a).lower()) for a in range(0x80) for c in _variants(a) if c >= 0x80}
_FOLD_TARGETS = frozenset(_FOLD.values())


def _class_items(items: list[Any], ignore_case: bool, widen: bool, hs: bool = False) -> str:
    if hs and not widen:
        return _hs_excluded(items)
    char = _hs_char if hs else _char
    out = []
    for op, av in items:
        if op is C.LITERAL:
            codes = _variants(av) if ignore_case and widen else (av,)
            out.extend(char(c) for c in codes)
        elif op is C.RANGE:
            lo, hi = av
            if not hs:
                out.append(f"{_char(lo)}-{_char(hi)}")
            else:  # the ASCII part, then what the rest folds to (one byte, or a few letters)
                if lo < 0x80:
                    out.append(f"{_hs_char(lo)}-{_hs_char(min(hi, 0x7F))}")
                if hi >= 0x80:
                    out.append(_hs_char(0x80))
                    out.extend(_hs_char(c) for c in _FOLD if lo <= c <= hi)
            if ignore_case and widen:
                if hi - lo > 400:
                    raise Untranslatable("a wide case-insensitive range")
                out.extend(char(c) for i in range(lo, hi + 1) for c in _variants(i) if c != i)
        elif op is C.CATEGORY:
            if av in NEGATED:  # _in keeps these out of classes
                raise Untranslatable("a negated category inside a class")
            out.append((HS_WIDE if hs else WIDE)[av] if widen else NARROW[av])
        else:
            raise Untranslatable(f"class item {op}")
    return "".join(out)


def _hs_excluded(items: list[Any]) -> str:
    """What a negated class excludes, for Hyperscan: only ASCII characters no other character
    folds to (excluding "s" would exclude "ſ", which the class lets through)."""
    out = []
    codes: set[int] = set()
    for op, av in items:
        if op is C.LITERAL:
            codes.add(av)
        elif op is C.RANGE:
            codes.update(range(av[0], min(av[1], 0x7F) + 1))
        elif op is C.CATEGORY:  # ASCII only; the letters folded to ASCII are word characters
            out.append(NARROW[av])
        else:
            raise Untranslatable(f"class item {op}")
    out.extend(_hs_char(c) for c in sorted(codes) if c < 0x80 and c not in _FOLD_TARGETS)
    return "".join(out)


def _in(items: list[Any], ignore_case: bool, hs: bool = False) -> str:
    negate = bool(items) and items[0][0] is C.NEGATE
    if negate:
        items = items[1:]
        if any(op is C.CATEGORY and av in NEGATED for op, av in items):
            raise Untranslatable("a negated class holding a negated category")
        kept = _class_items(items, ignore_case, widen=False, hs=hs)
        return f"[^{kept}]" if kept else ANY_BYTE
    singles = [(op, av) for op, av in items if not (op is C.CATEGORY and av in NEGATED)]
    negs = [av for op, av in items if op is C.CATEGORY and av in NEGATED]
    parts = []
    if singles:
        parts.append(f"[{_class_items(singles, ignore_case, widen=True, hs=hs)}]")
    parts.extend(f"[^{NARROW[NEGATED[av]]}]" for av in negs)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _seq(items: Any, flags: int, hs: bool = False) -> str:
    """The twin of a sequence; for Hyperscan, read from its end (see :func:`mirrored_twin`)."""
    nodes = [_node(op, av, flags, hs) for op, av in items]
    return "".join(reversed(nodes) if hs else nodes)


def _node(op: Any, av: Any, flags: int, hs: bool = False) -> str:
    ignore_case = bool(flags & re.I)
    if op is C.LITERAL:
        codes = _variants(av) if ignore_case else (av,)
        if hs:
            codes = tuple(sorted({_fold(c) for c in codes}))
        char = _hs_char if hs else _char
        return char(codes[0]) if len(codes) == 1 else "[" + "".join(map(char, codes)) + "]"
    if op is C.NOT_LITERAL:
        if hs:
            return f"[^{_hs_char(av)}]" if av < 0x80 and av not in _FOLD_TARGETS else ANY_BYTE
        return f"[^{_char(av)}]"
    if op is C.ANY:
        if hs:
            return ANY_BYTE if flags & re.S else r"[^\n]"
        return "(?s:.)" if flags & re.S else "."
    if op is C.IN:
        return _in(list(av), ignore_case, hs)
    if op is C.CATEGORY:
        return _in([(C.CATEGORY, av)], ignore_case, hs)
    if op is C.BRANCH:
        return "(?:" + "|".join(_seq(alt, flags, hs) for alt in av[1]) + ")"
    if op is C.SUBPATTERN:
        _group, add, remove, sub = av
        return "(?:" + _seq(sub, (flags | add) & ~remove, hs) + ")"
    if op is C.ATOMIC_GROUP:
        return "(?:" + _seq(av, flags, hs) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        inner = "(?:" + _seq(sub, flags, hs) + ")"
        if hi is C.MAXREPEAT or hi > MAX_COUNT:  # unbounded is looser, and far smaller
            return inner + ("*" if lo == 0 else "+" if lo == 1 else f"{{{min(lo, MAX_COUNT)},}}")
        return inner + ("?" if (lo, hi) == (0, 1) else f"{{{lo},{hi}}}")
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return ""  # zero width: dropping a condition only loosens the twin
    raise Untranslatable(f"{op}")


def _parsed(pattern: re.Pattern[str]) -> Any:
    if not isinstance(pattern.pattern, str):
        raise Untranslatable("a bytes pattern")
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    if parsed.getwidth()[0] == 0:
        raise Untranslatable("it can match the empty string")
    first = list(parsed)[0]
    if first[0] is C.AT and first[1] in (C.AT_BEGINNING, C.AT_BEGINNING_STRING) and not (
            pattern.flags & re.M and first[1] is C.AT_BEGINNING):
        raise Untranslatable("anchored at the start: re tries one place only")
    return parsed


def twin(pattern: re.Pattern[str]) -> str:
    """The looser RE2 pattern that matches wherever ``pattern`` can start a match."""
    return _seq(_parsed(pattern), pattern.flags)


def mirrored_twin(pattern: re.Pattern[str]) -> str:
    """The twin for Hyperscan: it reads the text folded to one byte a character (every
    non-ASCII character becomes 0x80, see :func:`folded`) and reversed, and its matches end
    there wherever ``pattern`` can start a match in the text."""
    return _seq(_parsed(pattern), pattern.flags, hs=True)


def folded(text: str) -> bytes:
    """One byte a character, so that byte offsets are character offsets: ASCII as itself, the
    few letters re.IGNORECASE equates with an ASCII one as that one, anything else as 0x80."""
    if text.isascii():
        return text.encode("ascii")
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    out = np.minimum(codes, 0x80).astype(np.uint8)
    for code, ascii_code in _FOLD.items():
        out[codes == code] = ascii_code
    return out.tobytes()


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


class _OnePass:
    """The whole-document patterns' mirrored twins in one Hyperscan database, compiled when a
    document first needs it (and again if a pattern joins later: a module imported late)."""

    def __init__(self) -> None:
        self.mirrored: list[str] = []
        # (database, which mirrored twins it holds, generation), replaced whole when recompiled
        self.state: tuple[Any, list[bool], int] = (None, [], 0)
        self.lock = threading.Lock()

    def add(self, pattern: re.Pattern[str]) -> int | None:
        """The pattern's place in the pass, or None where Hyperscan cannot read it."""
        if hyperscan is None:
            return None
        try:
            mirrored = mirrored_twin(pattern)
        except Untranslatable:
            return None
        with self.lock:
            self.mirrored.append(mirrored)
            return len(self.mirrored) - 1

    def _compile(self) -> tuple[Any, list[bool], int]:
        while True:  # patterns built on first use join before the first compile, not after
            try:
                make = _LATE.pop()  # (atomic: two threads compiling at once take one each)
            except IndexError:
                break
            make()
        with self.lock:
            if len(self.state[1]) == len(self.mirrored):
                return self.state
            wanted = list(self.mirrored)
            held = [True] * len(wanted)
            try:
                database = _load_database(wanted)
                if database is None:
                    database = _hyperscan_database(wanted, held)
                    _save_database(wanted, database)
            except hyperscan.error:  # one pattern spoils the lot: find it, and let RE2 do it
                for i, one in enumerate(wanted):
                    try:
                        _hyperscan_database([one], [True])
                    except hyperscan.error as why:
                        log.debug("RE2, not Hyperscan, for %.60r: %s", one, why)
                        held[i] = False
                database = _hyperscan_database(wanted, held) if any(held) else None
            self.state = (database, held, self.state[2] + 1)
            return self.state

    def starts(self, text: str) -> list[list[int] | None]:
        """For each pattern in the pass, the offsets where its twin matches in ``text`` (None
        for one the database does not hold). The last few texts' are kept, per thread."""
        database, held, generation = self.state
        if len(held) != len(self.mirrored):
            database, held, generation = self._compile()
        if database is None:  # Hyperscan refused them all (a CPU without SSSE3, say)
            return [None] * len(held)
        recent: list[tuple[str, int, list[list[int] | None]]] = _local.__dict__.setdefault(
            "one_pass", [])
        for i, (kept, made, found) in enumerate(recent):
            if kept is text and made == generation:
                if i:
                    recent.insert(0, recent.pop(i))
                return found
        found = self._scan(database, held, folded(text)[::-1])
        recent.insert(0, (text, generation, found))
        del recent[CACHED_DOCUMENTS:]
        return found

    @staticmethod
    def _scan(database: Any, held: list[bool], mirror: bytes) -> list[list[int] | None]:
        scratch = getattr(_local, "scratch", None)
        if scratch is None or scratch[0] is not database:
            scratch = _local.scratch = (database, hyperscan.Scratch(database))
        size = len(mirror)
        found: list[list[int]] = [[] for _ in held]

        def on_match(index: int, _from: int, end: int, _flags: int, _context: Any) -> None:
            found[index].append(size - end)  # a mirrored match ends where the twin starts

        database.scan(mirror, match_event_handler=on_match, scratch=scratch[1])
        for places in found:
            places.reverse()
        return [places if kept else None for places, kept in zip(found, held, strict=True)]


# where compiled databases are kept between runs; ``configure`` sets it (monitor/settings.py
# reads SOLESOURCE_CACHE / XDG_CACHE_HOME: this package reads no environment)
_CACHE_DIR: Path | None = None


def configure(cache_dir: Path | None) -> None:
    """Keep compiled pattern databases in ``cache_dir`` (None: ``~/.cache/solesource``)."""
    global _CACHE_DIR
    _CACHE_DIR = cache_dir


def _database_path(mirrored: list[str]) -> Path:
    """Where a compiled database for these twins is kept between runs (compiling takes ~0.6 s,
    which every process and every renewed worker would otherwise pay): the folder
    ``configure`` was given, else ``~/.cache/solesource``."""
    root = _CACHE_DIR or Path.home() / ".cache" / "solesource"
    key = hashlib.sha256("\0".join([hyperscan.__version__, platform.machine(), *mirrored])
                         .encode()).hexdigest()[:32]
    return Path(root) / f"hyperscan-{key}.db"


def _load_database(mirrored: list[str]) -> Any:
    """The database compiled for these twins in an earlier run, or None."""
    path = _database_path(mirrored)
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except FileNotFoundError:
        return None
    except (OSError, hyperscan.error) as why:  # unreadable, damaged, or for another CPU
        log.debug("recompiling the Hyperscan database: %s: %s", path, why)
        return None


def _save_database(mirrored: list[str], database: Any) -> None:
    path = _database_path(mirrored)
    part = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as part:
            part.write(hyperscan.dumpb(database))
        os.replace(part.name, path)  # whole or not at all, whoever else writes it
    except (OSError, hyperscan.error) as why:  # a read-only home: compile again next time
        log.debug("could not keep the Hyperscan database in %s: %s", path, why)
        if part is not None:
            Path(part.name).unlink(missing_ok=True)


def _hyperscan_database(mirrored: list[str], held: list[bool]) -> Any:
    database = hyperscan.Database()
    ids = [i for i, kept in enumerate(held) if kept]
    database.compile(expressions=[mirrored[i].encode() for i in ids], ids=ids,
                     elements=len(ids), flags=[0] * len(ids))
    return database


_ONE_PASS = _OnePass()
_LATE: list[Callable[[], object]] = []



class FastPattern:
    """A compiled ``re`` pattern whose whole-text ``finditer``/``search``/``findall`` let
    its RE2 twin skip ahead. Everything else is the pattern's own."""

    def __init__(self, pattern: re.Pattern[str], looser: Any, documents: bool = False) -> None:
        self._re = pattern
        self._twin = looser
        self._one_pass = _ONE_PASS.add(pattern) if documents else None
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
        if self._one_pass is not None and len(text) >= ONE_PASS_TEXT:
            starts = _ONE_PASS.starts(text)[self._one_pass]
            if starts is not None:
                yield from self._from_starts(text, starts, pos, end)
                return
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

    def _from_starts(self, text: str, starts: list[int], pos: int, end: int
                     ) -> Iterator[re.Match[str]]:
        """The matches in ``text[pos:end]``, tried only where the twin can start."""
        match, count = self._re.match, len(starts)
        k = bisect.bisect_left(starts, pos)
        while k < count:
            start = starts[k]
            if start >= end:  # a match is never empty: none starts at ``end``
                return
            m = match(text, start, end)
            if m is None:
                k += 1
            else:
                yield m
                k = bisect.bisect_left(starts, m.end(), k + 1)

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


def fast(pattern: Any, documents: bool = False) -> Any:
    """``pattern``, scanning whole documents through its RE2 twin where it has one; with
    ``documents``, a pattern every document is read with, in the shared Hyperscan pass.

    A function instead of a pattern is one that builds a whole-document pattern on first use
    (it needs spaCy, say): it is called before the Hyperscan pass is first compiled, so its
    pattern joins that compile instead of forcing a second one; it is returned as it is."""
    if callable(pattern) and not isinstance(pattern, re.Pattern | FastPattern):
        _LATE.append(pattern)
        return pattern
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
    return FastPattern(pattern, looser, documents)  # type: ignore[return-value]
