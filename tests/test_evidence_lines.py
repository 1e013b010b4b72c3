"""A quote is the whole sentence when its short lines are running text wrapped into narrow
columns, and only the value's line when they are a layout (a letterhead, a signature block)."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from extractors.fields.amount import extract_amounts
from extractors.types import Document

SENTENCE = ("ACF, ORR, Refugee Program announces the intent to award an unsolicited cooperative "
            "agreement in the amount of up to $1,984,144 to Church World Services (CWS) in New "
            "York, NY.")


@given(st.integers(min_value=24, max_value=40))
def test_a_sentence_wrapped_into_columns_is_quoted_whole(width: int) -> None:
    text = "AGENCY:\n" + "\n".join(textwrap.wrap(SENTENCE, width)) + "\n\nDATES: none.\n"
    amount = extract_amounts(Document.from_text(text))["amount"]
    assert amount is not None
    assert " ".join(amount["evidence"]["quote"].split()).endswith(SENTENCE), (width, amount)


def test_a_letterhead_is_narrowed_to_the_value_line() -> None:
    text = ("DEPARTMENT OF HOMELAND SECURITY\nOffice of Procurement Operations\n"
            "Estimated Value: $2,500,000\nWashington, DC 20528\nContracting Officer\n\n")
    amount = extract_amounts(Document.from_text(text))["amount"]
    assert amount["evidence"]["quote"] == "Estimated Value: $2,500,000"
