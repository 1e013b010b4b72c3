"""Property tests: every parser of outside data takes hostile input without raising anything
but its own clear errors, and what it returns keeps its promises."""

from __future__ import annotations

import math
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractors.fields.amount import extract_amounts, find_money
from extractors.fields.authority import category_for, find_citations
from extractors.fields.dates import find_dates
from extractors.types import Document
from monitor.models import Notice
from monitor.sources.federal_register import normalize_document, normalize_entry
from monitor.sources.samgov_csv import decoded_lines, is_candidate, normalize_row

CSV_FIELDS = ["NoticeId", "Title", "Sol#", "Department/Ind.Agency", "Sub-Tier", "Office",
              "PostedDate", "Type", "BaseType", "ArchiveDate", "ResponseDeadLine", "Award$",
              "AwardNumber", "Awardee", "Active", "Description", "CGAC", "NaicsCode",
              "ClassificationCode", "SetASideCode"]
junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                 st.text(max_size=60))
money_text = st.from_regex(r"(?:US)?\$ ?[0-9]{1,3}(?:, ?[0-9]{3}){0,4}(?:\.[0-9]{1,4})?"
                           r"(?: ?(?:million|billion|M|K|thousand))?", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(CSV_FIELDS), st.text(max_size=80), max_size=20))
def test_csv_rows_always_normalize(row):
    notice = normalize_row(row)
    assert isinstance(notice, Notice) and notice.source == "samgov"
    assert isinstance(is_candidate(row), bool)
    assert notice.posted_date is None or len(notice.posted_date) <= 10


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=12))
def test_cp1252_lines_however_chunked_equal_the_whole(chunks):
    whole = b"".join(chunks).decode("cp1252", errors="replace")
    lines = list(decoded_lines(chunks))
    assert "".join(lines) == whole
    assert all(line.endswith(("\n", "\r")) for line in lines[:-1])


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({"document_number": st.text(min_size=1, max_size=20)},
                             optional={"title": junk, "type": junk, "publication_date": junk,
                                       "agencies": st.lists(st.one_of(
                                           junk, st.dictionaries(st.sampled_from(
                                               ["name", "raw_name", "id"]), junk)), max_size=4),
                                       "raw_text_url": junk, "html_url": junk,
                                       "abstract": junk, "comments_close_on": junk}))
def test_federal_register_documents_always_normalize(doc):
    notice = normalize_document(doc)
    assert notice.source == "fedreg" and notice.source_id == str(doc["document_number"])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_rss_and_atom_of_any_shape(body):
    import feedparser

    for wrapper in ("{}", "<rss><channel><item>{}</item></channel></rss>",
                    "<feed xmlns='http://www.w3.org/2005/Atom'><entry>{}</entry></feed>"):
        parsed = feedparser.parse(wrapper.format(body))
        for entry in parsed.entries:
            notice = normalize_entry(entry)
            assert notice is None or notice.source in ("fedreg", "feed")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_dates_are_real_days_or_months(text):
    for start, end, when in find_dates(text):
        assert 0 <= start < end <= len(text)
        assert re.fullmatch(r"(?:19|20)\d\d-\d\d(?:-\d\d)?", when), when


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_citations_are_normalized_and_categorized(text):
    cites = find_citations(text)
    for c in cites:
        assert c.text.startswith(("FAR ", "10 U.S.C.", "41 U.S.C.", "40 U.S.C.", "38 U.S.C."))
    assert category_for(cites) is None or isinstance(category_for(cites), str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), money_text, st.text(max_size=100))
def test_money_is_finite_and_non_negative(before, amount, after):
    text = before + " estimated value " + amount + " " + after
    for m in find_money(text):
        assert math.isfinite(m.value) and m.value >= 0
        assert text[m.start:m.end].strip() == m.text
    result = extract_amounts(Document.from_text(text))
    headline = result["amount"]
    assert headline is None or headline["value_usd"] is None or headline["value_usd"] >= 0


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(
    ["the", "award", "Acme", "é", "123", "$", "____", "\ufffd", "ǅ", "x", "\n", "12", "--", "a",
     "I", "e", "(b)(4)", "6.302-1", "II", "ok", "xyz", "rhythm", "a" * 30, "Ünïcode", "\u00a0"]),
    max_size=120).map(" ".join)))
@example("a 12 " * 20)  # one-letter words are not words to the score
def test_the_quick_ocr_answer_is_the_garbage_score_answer(text: str) -> None:
    from extractors.text import garbage_score, needs_ocr

    assert needs_ocr(text) == (garbage_score(text) > 0.5)
