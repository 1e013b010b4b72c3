"""Run the real ``solesource extract`` over every labelled folder of the shared corpus and
score it with the corpus's own scorers. Floors start where we honestly are and only go up."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED, missing

CORPUS = SHARED / "corpus"
# Reset 2026-12-07 to what the corpus measures once its fresh material (9 `new-*` documents,
# 15 `ext-fbo2019-*` notices) joined it: vendor 0.913, citations 0.890, key dates 0.871,
# notice vendor 0.907. From here they only go up (v6, names read word by word: vendor 0.932,
# notice vendor 0.930). The fitted vendor model (scripts/train_vendor.py) reads notices'
# vendors at 0.907 on the corpus it was fitted on, where the hand-set weights it replaced read
# 0.930: that floor came down to 0.90 while the figure the hand weights never had, vendor F1
# on sources held out of the fit, is 0.909 and has a floor of its own
# (tests/test_vendor_model.py). Two dates joined as a range ("March 1, 2000 to February 28,
# 2003") are a period of performance: key dates 0.877 -> 0.929, held out by source 0.921
# (tests/test_date_model.py).
DOC_FLOORS = {"vendor": 0.93, "amount": 0.97, "authority": 0.97, "citations": 0.89,
              "key_dates": 0.92, "evidence": 1.0, "doc_kind": 0.96, "redacted": 0.98}
SCAN_FLOORS = {"vendor": 0.9, "amount": 0.9, "authority": 0.95, "key_dates": 0.85,
               "evidence": 0.95}
NOTICE_FLOORS = {"sole_source": 0.99, "intent": 0.98, "justification": 0.98, "vendor": 0.93,
                 "response_due": 0.94}


@pytest.fixture(autouse=True)
def _corpus_beside_the_project() -> None:
    if not CORPUS.exists():
        missing(f"{CORPUS} is missing: clone the shared folder beside the project to run the "
                "quality floors")


def _extract(folders: list[Path], out: Path) -> None:
    with out.open("w") as fh:
        done = subprocess.run([sys.executable, "-m", "monitor", "extract", "--format", "jsonl",
                               *map(str, folders)], stdout=fh, stderr=subprocess.PIPE,
                              text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]


def _score(script: str, pred: Path, labels: Path, *extra: str) -> str:
    done = subprocess.run([sys.executable, str(CORPUS / script), "--pred", str(pred),
                           "--labels", str(labels), *extra], capture_output=True, text=True)
    return done.stdout


def _summary(pred: Path) -> dict[str, float]:
    out = _score("score.py", pred, CORPUS / "docs", "--only-predicted", "--json")
    summary, _end = json.JSONDecoder().raw_decode(out.strip())
    return summary


def _check(summary: dict[str, float], floors: dict[str, float]) -> None:
    low = {k: summary.get(f"{k}_f1", summary.get(f"{k}_accuracy")) for k in floors}
    failed = {k: v for k, v in low.items() if v is None or v < floors[k]}
    assert not failed, f"below the floor: {failed} (floors {floors})"


def test_documents_text_pdf_docx(tmp_path: Path) -> None:
    folders = sorted(p for p in (CORPUS / "docs").iterdir()
                     if p.is_dir() and not p.name.endswith(".scan"))
    pred = tmp_path / "pred.jsonl"
    _extract(folders, pred)
    lines = [json.loads(ln) for ln in pred.read_text().splitlines()]
    assert len(lines) == len(folders)
    _check(_summary(pred), DOC_FLOORS)


@pytest.mark.timeout(900)  # OCR of six scans: ~60 s alone, more beside other work
def test_scanned_documents(tmp_path: Path) -> None:
    if not shutil.which("tesseract"):
        missing("tesseract is not installed (apt-get install tesseract-ocr) — scans need OCR")
    folders = sorted(p for p in (CORPUS / "docs").iterdir() if p.name.endswith(".scan"))
    pred = tmp_path / "pred.jsonl"
    _extract(folders, pred)
    _check(_summary(pred), SCAN_FLOORS)


def test_notice_detection(tmp_path: Path) -> None:
    folders = sorted(p for p in (CORPUS / "notices").iterdir() if p.is_dir())
    pred = tmp_path / "pred.jsonl"
    _extract(folders, pred)
    out = _score("score_notices.py", pred, CORPUS / "notices")
    scores = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("justification", "intent", "sole_source"):
            scores[parts[0]] = float(parts[3])
    if m := re.search(r"vendor acc ([\d.]+).*response_due acc ([\d.]+)", out):
        scores["vendor"], scores["response_due"] = float(m.group(1)), float(m.group(2))
    failed = {k: scores.get(k) for k, floor in NOTICE_FLOORS.items()
              if scores.get(k, 0.0) < floor}
    assert not failed, f"below the floor: {failed}\n{out}"
