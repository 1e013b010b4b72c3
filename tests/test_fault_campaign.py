"""A small run of the fault campaign (scripts/fault_campaign.py runs 50 seeds): the whole
pipeline under API faults, sink outages and SIGKILLs, then checked for loss and duplicates."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_fault_campaign_small() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "fault_campaign.py"),
                           "--seeds", "2", "--first-seed", "100", "--notices", "8"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "seeds 2/2 checked" in done.stdout and "failures 0" in done.stdout
