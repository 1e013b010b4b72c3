"""extractors/scan.py: a pattern scanned through its RE2 twin finds exactly what ``re`` finds."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import scan
from extractors.scan import NARROW, WIDE, FastPattern, fast, twin
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
def short_texts_too() -> Iterator[None]:
    """Short texts normally go to ``re`` directly; here they go through RE2 as well."""
    old, scan.MIN_TEXT = scan.MIN_TEXT, 0
    try:
        yield
    finally:
        scan.MIN_TEXT = old


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
    with short_texts_too():
        for p in _wrapped():
            _same(p, text, min(pos, len(text)))


def test_over_the_shared_corpus_every_scanner_finds_what_re_finds():
    docs = SHARED / "corpus" / "docs"
    if not docs.is_dir():
        missing(f"{docs} is missing: clone the shared folder beside the project to run this")
    texts = [f.read_text(errors="replace") for f in sorted(docs.glob("*/text.txt"))]
    assert len(texts) > 50
    patterns = _wrapped()
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
