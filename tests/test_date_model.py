"""Key dates: every cue's own example gives a date its role, the fitted model is what its
script makes from the corpus, and its held-out figure stays above a floor of its own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.fields.dates import LEAD_CUES, TRAIL_CUES, extract_dates
from extractors.types import Document
from tests.conftest import ROOT, SHARED, missing

CV_FLOOR = 0.91  # leave-one-source-out key-date F1 (0.921 when first fitted)
DAY = "March 3, 2027"


@pytest.mark.parametrize("cue", LEAD_CUES, ids=lambda c: c.name)
def test_each_lead_cue_matches_its_own_example(cue) -> None:
    assert cue.pattern.search(cue.example + " "), cue.example


@pytest.mark.parametrize("cue", TRAIL_CUES, ids=lambda c: c.name)
def test_each_trail_cue_matches_its_own_example(cue) -> None:
    assert cue.pattern.search(cue.example), cue.example


@given(st.sampled_from(["to", "through", "-", "–", "until"]),
       st.sampled_from(["$130,000, ", "Performance: ", "The order runs "]))
def test_two_dates_joined_as_a_range_are_a_period_of_performance(joiner: str, lead: str
                                                                  ) -> None:
    text = f"Award to Harbor Labs (MD), {lead}{DAY} {joiner} March 2, 2028; and more.\n"
    roles = {(d["type"], d["date"]) for d in extract_dates(Document.from_text(text))}
    assert {("pop_start", "2027-03-03"), ("pop_end", "2028-03-02")} <= roles, (text, roles)


def test_a_range_told_as_history_is_not_this_actions() -> None:
    text = ("The previous contract was awarded for the period March 3, 2020 to March 2, 2021."
            "\n")
    roles = {d["type"] for d in extract_dates(Document.from_text(text))}
    assert roles == {"other"}, roles


def test_the_committed_model_is_what_make_train_fits_and_holds_out_well() -> None:
    if not (SHARED / "corpus").exists():
        missing("the shared corpus is missing: the model is fitted on it")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_dates.py"),
                           "--check", "--corpus", str(SHARED / "corpus")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    model = json.loads((ROOT / "extractors" / "data" / "dates_model.json").read_text())
    assert model["cross_validation"]["key_dates_f1"] >= CV_FLOOR, model["cross_validation"]
