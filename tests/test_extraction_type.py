"""``Extraction``: the one typed result that crosses extractors → monitor. Its JSON is the
SCHEMA.md object; reading that JSON back gives the same value; one flattening into columns."""

from __future__ import annotations

import json
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import Document, Extraction, Page, columns, extract
from extractors.files import load_target
from tests.conftest import SHARED, missing

CORPUS = SHARED / "corpus"
KEYS = ["id", "doc_kind", "agency", "vendors", "amount", "other_amounts", "redacted_amount",
        "authority", "rationale", "dates", "contract_numbers", "status", "problems",
        "extractor_version"]
NOTICE_KEYS = ["notice_class", "notice_reason", "response_due"]
JA = ("JUSTIFICATION FOR OTHER THAN FULL AND OPEN COMPETITION\n\n"
      "1. Agency: U.S. Immigration and Customs Enforcement (ICE), Department of Homeland "
      "Security.\n\n2. The contract will be awarded to Palantir Technologies Inc., "
      "UEI ABCDEFGH1234, of Denver, CO. The estimated total value is $29.8 million. "
      "{hostile}\n\n3. Authority: FAR 6.302-2, 41 U.S.C. 3304(a)(2), unusual and compelling "
      "urgency. Only Palantir can deliver the prototype by September 25, 2025, because no "
      "other source has the existing platform. Responses are due by October 1, 2025.")


def _same_after_json(result: Extraction) -> None:
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert Extraction.from_json(data) == result
    assert Extraction.from_json(data).to_json() == result.to_json()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.booleans())
def test_json_reads_back_to_the_same_extraction(hostile, with_notice):
    notice = {"title": hostile[:40], "type": "Justification"} if with_notice else None
    result = extract(Document.from_text(JA.format(hostile=hostile)), notice, "ja")
    assert list(result.to_json()) == KEYS + (NOTICE_KEYS if with_notice else [])
    _same_after_json(result)
    assert pickle.loads(pickle.dumps(result)) == result


def test_every_field_is_typed_and_the_json_is_the_schema_object():
    result = extract(Document.from_text(JA.format(hostile="")), {"type": "Justification"}, "ja")
    assert result.vendors[0].name == "Palantir Technologies Inc."
    assert result.vendors[0].evidence is not None
    assert "Palantir" in result.vendors[0].evidence.quote
    assert result.amount is not None and result.amount.value_usd == 29_800_000
    assert result.authority is not None and result.authority.category == "urgency"
    assert result.agency is not None and result.agency.path[-1].endswith("Enforcement")
    data = result.to_json()
    assert data["vendors"][0]["name"] == "Palantir Technologies Inc."
    assert set(data["vendors"][0]["evidence"]) == {"quote", "page", "start", "end"}
    assert data["authority"]["citations"] == list(result.authority.citations)
    assert isinstance(data["agency"]["path"], list)
    assert data["notice_class"] == result.notice.notice_class


def test_columns_flatten_the_first_vendor_headline_amount_and_next_deadline():
    result = extract(Document.from_text(JA.format(hostile="")), None, "ja")
    c = columns(result)
    assert c["vendor"] == result.vendors[0].name and c["vendor_uei"] == result.vendors[0].uei
    assert c["amount_usd"] == result.amount.value_usd and c["redacted_amount"] == 0
    assert json.loads(c["authority_citations"]) == list(result.authority.citations)
    assert c["next_deadline"] == min(d.date for d in result.dates if d.type in (
        "response_due", "delivery", "prototype_due", "award"))
    assert c["agency_hierarchy"] == " > ".join(result.agency.path)
    assert columns(None) == {k: None for k in c} | {"redacted_amount": 0,
                                                   "authority_citations": "[]"}


def test_a_bug_met_on_a_document_is_an_error_result_with_the_same_keys():
    broken = Document(pages=[Page(None, None, "plain")], name="broken.txt")  # type: ignore[arg-type]
    result = extract(broken, {"type": "Justification"})
    assert result.status == "error" and result.id == "broken.txt"
    assert result.problems[-1].startswith("extractor error: TypeError")
    assert result.notice is not None and result.notice.notice_class == "neither"
    assert list(result.to_json()) == KEYS + NOTICE_KEYS
    _same_after_json(result)
    assert list(extract(broken).to_json()) == KEYS


def test_every_corpus_document_reads_back_from_its_json():
    if not CORPUS.exists():
        missing(f"{CORPUS} is missing: clone the shared folder beside the project")
    folders = sorted(p for base in ("docs", "notices") for p in (CORPUS / base).iterdir()
                     if p.is_dir() and not p.name.endswith(".scan"))
    assert len(folders) > 100
    for folder in folders:
        result = extract(*load_target(folder))
        _same_after_json(result)
        c = columns(result)
        data = result.to_json()
        assert c["vendor"] == (data["vendors"][0]["name"] if data["vendors"] else None)
        assert c["amount_usd"] == (data["amount"] or {}).get("value_usd")
        assert c["response_due"] == data.get("response_due")
