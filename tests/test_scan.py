"""fastscan: a pattern scanned through its RE2 twin finds exactly what ``re`` finds."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

import fastscan
from fastscan import _engine as scan
from fastscan import fast
from fastscan._engine import NARROW, WIDE, FastPattern, twin
from tests.conftest import SHARED, missing


def _wrapped() -> list[FastPattern]:
    """Every pattern the extractors scan whole documents with through RE2."""
    import extractors.layout
    import extractors.nlp
    from extractors.fields import amount, authority, dates, kind, numbers, rationale, vendor

    found: list[object] = []
    for module in (amount, authority, dates, kind, numbers, rationale, vendor, extractors.nlp,
                   extractors.layout):
        for value in vars(module).values():
            found.append(value)
            if isinstance(value, list):
                found += [x[-1] if isinstance(x, tuple) else x for x in value]
    found.append(extractors.nlp._sentence_end())
    return [p for p in found if isinstance(p, FastPattern)]


@contextmanager
def short_texts_too(one_pass: bool = False) -> Iterator[None]:
    """Short texts normally go to ``re`` directly; here they go through RE2 as well — or,
    with ``one_pass``, the whole-document patterns through the Hyperscan pass."""
    old = scan.MIN_TEXT, scan.ONE_PASS_TEXT
    scan.MIN_TEXT, scan.ONE_PASS_TEXT = 0, 0 if one_pass else sys.maxsize
    try:
        yield
    finally:
        scan.MIN_TEXT, scan.ONE_PASS_TEXT = old


PATHS = (False, True) if scan.hyperscan is not None else (False,)


def _same(p: FastPattern, text: str, pos: int = 0) -> None:
    got = [(m.span(), m.groups()) for m in p.finditer(text, pos)]
    want = [(m.span(), m.groups()) for m in p._re.finditer(text, pos)]
    assert got == want, p.pattern[:80]


def test_the_field_scanners_go_through_re2_and_there_are_many():
    assert len(_wrapped()) >= 70


WORDS = ["the", "proposed", "contractor", "is", "Acme", "Inc.", "$", "1,000", "FAR", "6.302-1",
         "U.S.C.", "3304(a)(2)", "estimated", "value", "REDACTED", "(b)(4)", "January", "15,",
         "2026", "awarded", "to", "with", "\u212a", "\u017f", "\u0131", "\u0130", "ß", "ﬁ",
         "\u00a0", "\n", "\n\n", "١٢٣", "µ", "Σ", "ς", "only", "source", "OEM", ":", "Vendor",
         "intends", "sole", "justification", "approval", "pursuant", "36", "CFR", "51.24",
         "3/4/2026", "2026-05-01", "Sept.", "due", "no", "later", "than", "J&A", "expires",
         "😀", "\u2028", "\u3000", "é", "ＡＢＣ", "award", "contract", "Contractor Name:", "LLC"]
word_text = st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(word_text, st.text(max_size=120)), st.integers(0, 20))
def test_every_scanner_finds_what_re_finds(text: str, pos: int) -> None:
    for one_pass in PATHS:
        with short_texts_too(one_pass):
            for p in _wrapped():
                _same(p, text, min(pos, len(text)))


def test_over_the_shared_corpus_every_scanner_finds_what_re_finds():
    docs = SHARED / "corpus" / "docs"
    if not docs.is_dir():
        missing(f"{docs} is missing: clone the shared folder beside the project to run this")
    texts = [f.read_text(errors="replace") for f in sorted(docs.glob("*/text.txt"))]
    assert len(texts) > 50
    patterns = _wrapped()
    for one_pass in PATHS:
        with short_texts_too(one_pass):
            for text in texts:
                for p in patterns:
                    _same(p, text)


def test_offsets_stay_right_past_wide_characters():
    p = fast(re.compile(r"sole[- ]source\s+to\s+(?P<name>\w+)", re.I))
    assert isinstance(p, FastPattern)
    text = ("é€😀\u2028" * 300 + " SOLE-SOURCE to Acmé ") * 3 + "ſole source to X"
    found = [(m.span(), m.group("name")) for m in p.finditer(text)]
    assert found == [(m.span(), m.group("name")) for m in p._re.finditer(text)]
    assert len(found) == 4 and found[-1][1] == "X"
    assert p.search(text, found[0][0][0] + 1).span() == found[1][0]
    assert p.findall(text) == p._re.findall(text)
    del p._next_start  # google-re2's public search, where its C++ object is out of reach
    assert [(m.span(), m.group("name")) for m in p.finditer(text)] == found


def test_case_rules_are_re_own():
    """re.IGNORECASE lets k match the Kelvin sign and s the long s: so must the twin."""
    p = fast(re.compile(r"kelvin|sole\s+source|item", re.I))
    with short_texts_too():
        for text in ("\u212aelvin", "\u017fole source", "\u0130tem", "SOLE  SOURCE"):
            assert [m.span() for m in p.finditer(text)] == [
                m.span() for m in p._re.finditer(text)] != []


def test_what_re2_cannot_stand_for_stays_plain_re():
    for pattern in (r"(\w)\1", r"^Vendor:", r"x*"):  # a backreference, a start anchor, empty
        p = re.compile(pattern)
        assert fast(p) is p
    assert "(?:" in twin(re.compile(r"(?<!up )to\s+(?=[A-Z])\w+\b"))  # lookarounds dropped


@pytest.mark.parametrize("category", list(WIDE))
def test_widened_classes_hold_all_python_matches_and_narrowed_ones_only_those(category):
    """The twin's classes against Python's own, over every Unicode character."""
    everything = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    name = {v: k for k, v in vars(re._constants).items()  # type: ignore[attr-defined]
            if k.startswith("CATEGORY_")}[category]
    python = {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s", "CATEGORY_WORD": r"\w",
              "CATEGORY_LINEBREAK": r"\n"}[name]
    matched = "".join(re.findall(python, everything))
    wide = re2.compile(f"[{WIDE[category]}]")
    assert len(wide.findall(matched)) == len(matched)
    narrow = "".join(re2.findall(f"[{NARROW[category]}]", everything))
    assert len(re.findall(python, narrow)) == len(narrow)


def _simple_lower(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else {"\u0130": "i"}.get(c, c)  # İ: its simple mapping


def test_odd_case_pairs_are_all_of_unicode_ones():
    odd = set()
    for i in range(sys.maxunicode + 1):
        c = chr(i)
        low = _simple_lower(c)
        if low != c and low.upper() != c:
            odd.add(low + c)
    assert odd == set(scan.ODD_CASES.split())


def test_case_variants_are_every_character_re_ignorecase_equates():
    groups: dict[str, set[str]] = {}
    for i in range(sys.maxunicode + 1):
        c = chr(i)
        groups.setdefault(_simple_lower(c), set()).add(c)
    for members in groups.values():
        if len(members) > 1:
            for c in members:
                assert {chr(v) for v in scan._variants(ord(c))} >= members, c


def test_a_lone_surrogate_from_a_broken_text_layer_is_matched_like_re_does():
    text = "x" * 100 + " sole source \ud800abc, due to \udfff.\n  sole source Acme Inc"
    for pattern in (r"sole\s+source\s+\S+", r"due\s+to[^.]+", r"source.{0,8}", r"[^\w\s]+"):
        p = fast(re.compile(pattern, re.I))
        assert isinstance(p, FastPattern)
        _same(p, text)


# patterns that stress the Hyperscan twins: negated classes around the letters other
# characters fold to, ranges into non-ASCII, case rules, dots, categories, lookarounds
HARD = [r"[^s]ource", r"x[^\u212a]", r"[^a-z]+\d", r"kelvin|sole\s+source|item", r"[^\d\s]+\s*:",
        r"é+t", r"[\u00e0-\u017f]x", r"[^é]y", r"a.b", r"[^\s,]+,", r"\bS\w+", r"[^k]z",
        r"(?<=\s)to\s+(?=[A-Z])\w+", r"[\w\u2019-]+\s+Inc", r"[^\x00-\x7f]{2}", r"\D\S\W",
        r"[^\n]{3,}\n", r"\$\s?\d{1,3}(?:,\d{3})*"]
HARD_FLAGS = [0, re.I, re.S | re.I]


@pytest.fixture(scope="module")
def one_pass() -> tuple[scan._OnePass, list[re.Pattern[str]]]:
    if scan.hyperscan is None:
        missing("hyperscan is not installed (pip install hyperscan: x86-64 and Apple silicon)")
    single = scan._OnePass()
    patterns = [re.compile(p, f) for p in HARD for f in HARD_FLAGS]
    for i, p in enumerate(patterns):
        assert single.add(p) == i
    return single, patterns


HARD_TEXT = st.text(st.sampled_from("sSourcexXkKzZ\u212a\u017f\u0131\u0130ia1 \n,:$éÉ\u2019yt."
                                    "\ud800😀IncbB-"), max_size=80)


@settings(max_examples=300, deadline=None)
@given(HARD_TEXT)
def test_the_hyperscan_pass_proposes_every_place_re_matches(one_pass, text: str) -> None:
    single, patterns = one_pass
    starts = single.starts(text)
    for p, found in zip(patterns, starts, strict=True):
        assert found is not None, p  # Hyperscan reads every one of them
        want = {i for i in range(len(text) + 1) if p.match(text, i)}
        assert want <= set(found), (p, text)


def test_folding_keeps_offsets_as_characters():
    text = "ſole \u212aelvin İı é😀\ud800 x"
    out = scan.folded(text)
    assert len(out) == len(text)
    assert out.decode("latin-1") == "sole kelvin ii \x80\x80\x80 x"


def test_the_document_patterns_share_one_hyperscan_pass():
    if scan.hyperscan is None:
        missing("hyperscan is not installed (pip install hyperscan: x86-64 and Apple silicon)")
    documents = [p for p in _wrapped() if p._one_pass is not None]
    assert len(documents) >= 40
    scan._ONE_PASS.starts("x" * 2000)
    database, held, _generation = scan._ONE_PASS.state
    assert database is not None and all(held)  # none left to RE2 by a refusal


def test_a_compiled_pass_is_kept_between_runs_and_a_damaged_copy_is_recompiled(
        tmp_path, monkeypatch):
    if scan.hyperscan is None:
        missing("hyperscan is not installed (pip install hyperscan: x86-64 and Apple silicon)")
    monkeypatch.setattr(scan, "_CACHE_DIR", tmp_path)  # as fastscan.configure(tmp_path) does
    patterns = [re.compile(r"sole\s+source", re.I), re.compile(r"\$\d+")]
    text = "x" * 50 + " Sole  source for $100 and $2"

    def run() -> list[list[int] | None]:
        one = scan._OnePass()
        for p in patterns:
            one.add(p)
        return one.starts(text)

    first = run()
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1 and first == [[51], [68, 77]]
    compile_ = scan._hyperscan_database

    def refuse(*args: object) -> None:
        raise AssertionError("compiled again although a compiled copy was kept")

    monkeypatch.setattr(scan, "_hyperscan_database", refuse)
    assert run() == first  # loaded, not compiled
    kept[0].write_bytes(b"not a database")
    monkeypatch.setattr(scan, "_hyperscan_database", compile_)
    assert run() == first  # compiled again, and kept again
    assert scan.hyperscan.loadb(kept[0].read_bytes(), scan.hyperscan.HS_MODE_BLOCK)


def test_the_cache_folder_comes_from_the_settings(tmp_path) -> None:
    """SOLESOURCE_CACHE, else XDG_CACHE_HOME/solesource, read by monitor/settings.py and
    handed to fastscan by the CLI; fastscan itself reads no environment."""
    from monitor.settings import Settings

    env = {"SOLESOURCE_DATA": str(tmp_path / "data")}
    assert Settings.load(None, env=env).cache_dir is None
    assert Settings.load(None, env=env | {"XDG_CACHE_HOME": "/x"}).cache_dir == Path(
        "/x/solesource")
    assert Settings.load(None, env=env | {"SOLESOURCE_CACHE": "/c", "XDG_CACHE_HOME": "/x"}
                         ).cache_dir == Path("/c")
    try:
        fastscan.configure(tmp_path)
        assert scan._database_path(["a"]).parent == tmp_path
    finally:
        fastscan.configure(None)
    assert scan._database_path(["a"]).parent == Path.home() / ".cache" / "solesource"
