"""The rationale a reporter reads is the agency's argument: never a label, a title or a
letterhead (generated: labels x argument sentences x titles)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.fields.rationale import extract_rationale
from extractors.types import Document

LABELS = ["Rationale:", "SUPPLEMENTARY INFORMATION:", "b. Unique Qualifications of Proposed "
          "Contractor:", "5. Demonstration that the Nature of the Acquisition Requires Use of "
          "the Authority Cited:", "Reason for Sole Source:", "(3) Justification:"]
ARGUMENTS = [
    "Harbor Labs is the only source able to provide the replacement parts because it holds "
    "the proprietary drawings.",
    "Only one responsible source exists, since the software is proprietary to the vendor and "
    "no other firm can support it.",
    "An unusual and compelling urgency exists because the current system fails on 1 March and "
    "a delay would harm detainee health.",
]
TITLES = ["JUSTIFICATION AND APPROVAL FOR OTHER THAN FULL AND OPEN COMPETITION",
          "Justification for Other Than Full and Open Competition due to Unusual and "
          "Compelling Urgency National Acquisition Center",
          "Department of the Air Force: Justification for Other Than Full and Open Competition"]


@settings(deadline=None)  # the first call loads the sentence rules
@given(st.sampled_from(LABELS), st.sampled_from(ARGUMENTS), st.sampled_from(TITLES))
def test_the_summary_is_the_argument_without_its_label(label: str, argument: str,
                                                       title: str) -> None:
    text = f"{title}\n\n{label} {argument}\n"
    doc = Document.from_text(text)
    found = extract_rationale(doc)
    assert found is not None, text
    assert found["summary"] == argument, (text, found["summary"])
    ev = found["evidence"]
    assert text[ev["start"]:ev["end"]].strip() == argument


@given(st.sampled_from(TITLES))
def test_a_title_alone_is_no_rationale(title: str) -> None:
    assert extract_rationale(Document.from_text(f"{title}\n\nPage 1 of 3\n")) is None
