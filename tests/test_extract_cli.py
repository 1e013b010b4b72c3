"""`solesource extract` says when it read nothing: junk exits 1 with one line naming the file,
damaged Word files get a plain reason (never a raw AttributeError), folders of documents are
walked (a corpus-shaped folder stays one document), and a scan left unread for want of
tesseract is said so in `extract`, `status` and `demo`."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.text import load_bytes
from monitor import pipeline
from monitor.cli import cli
from tests.conftest import ROOT, wsgi

FILES = ROOT / "monitor" / "demo_data" / "files"
DOCX = (FILES / "JA_Switchblade_Spares.docx").read_bytes()
SCAN = FILES / "DS_JOFOC_Armored_Vehicles_scan.pdf"


def _extract(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "extract", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=(os.environ | {"COLUMNS": "200"}) | (env or {}))


@pytest.fixture
def no_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A PATH with no tesseract on it (the python that runs the CLI is called by full path)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return {"PATH": str(empty)}


def _with_part(name: str, change: Any) -> bytes:
    """The demo DOCX with one part's bytes passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.namelist():
            data = zin.read(item)
            zout.writestr(item, change(data) if item == name else data)
    return out.getvalue()


def test_junk_exits_1_with_one_line_naming_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(random.Random(5).randbytes(5000))
    good = FILES / "USGS_SSJ_ADCP.pdf"
    done = _extract(str(junk), str(good))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{junk}: nothing could be read: ")
    assert "binary data" in lines[0] and "sniffed as" not in lines[0]
    assert "Traceback" not in done.stderr
    assert "junk" not in done.stdout and "USGS_SSJ_ADCP" in done.stdout  # no table of dashes
    assert _extract(str(good)).returncode == 0


def test_binary_data_is_not_said_to_be_text() -> None:
    doc = load_bytes(random.Random(9).randbytes(3000), "x.txt")
    assert doc.status == "unreadable"
    assert "text/plain" not in doc.problems[0] and "binary data" in doc.problems[0]


def test_a_docx_whose_main_part_is_not_a_document_says_so() -> None:
    broken = _with_part("word/document.xml",
                        lambda d: d.replace(b"<w:document ", b"<w:documenx ", 1)
                        .replace(b"</w:document>", b"</w:documenx>"))
    doc = load_bytes(broken, "memo.docx")
    assert doc.status == "unreadable"
    assert doc.problems == ["memo.docx is a damaged Word file: its main part holds <documenx>, "
                            "not a document body; nothing could be read (ask for a fresh "
                            "copy)"]


PARTS = ["word/document.xml", "[Content_Types].xml", "_rels/.rels",
         "word/_rels/document.xml.rels"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PARTS), st.lists(st.tuples(st.integers(0, 600),
                                                  st.sampled_from(list(b"abxz<>/:\"= \x00"))),
                                        min_size=1, max_size=6))
def test_fuzzed_docx_parts_end_in_a_plain_reason(part: str,
                                                 edits: list[tuple[int, int]]) -> None:
    def mutate(data: bytes) -> bytes:
        out = bytearray(data)
        for pos, byte in edits:
            out[pos % len(out)] = byte
        return bytes(out)

    doc = load_bytes(_with_part(part, mutate), "f.docx")
    text = " ".join(doc.problems)
    assert "AttributeError" not in text and "NoneType" not in text, text
    assert doc.status in ("ok", "unreadable"), (doc.status, text)
    if doc.status == "unreadable":
        assert text.startswith("f.docx is a damaged Word file: "), text


def test_fuzzed_docx_bytes_end_in_a_plain_reason() -> None:
    rng = random.Random(11)
    for _ in range(60):
        data = bytearray(DOCX)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        doc = load_bytes(bytes(data), "f.docx")
        text = " ".join(doc.problems)
        assert "Error:" not in text and "AttributeError" not in text, text


def test_a_folder_of_documents_is_walked(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.pdf").write_bytes((FILES / "USGS_SSJ_ADCP.pdf").read_bytes())
    (folder / "a.pdf").write_bytes((FILES / "VA_Brand_Name_DaTscan.pdf").read_bytes())
    (folder / "sub" / "c.docx").write_bytes(DOCX)
    (folder / "notes.csv").write_text("not a document")
    (folder / ".hidden.pdf").write_bytes(b"%PDF-junk")
    corpus = folder / "sub" / "D01-one-notice"  # a corpus-shaped folder stays one document
    corpus.mkdir()
    (corpus / "text.txt").write_text("JUSTIFICATION AND APPROVAL under FAR 6.302-1.")
    (corpus / "other.pdf").write_bytes((FILES / "USGS_SSJ_ADCP.pdf").read_bytes())
    done = _extract("--format", "jsonl", str(folder))
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert ids == ["a", "b", "D01-one-notice", "c"]
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = _extract(str(empty))
    assert nothing.returncode == 1 and f"{empty}: no documents" in nothing.stderr


def test_a_corpus_folder_is_one_document(tmp_path: Path) -> None:
    folder = tmp_path / "N01"
    folder.mkdir()
    (folder / "text.txt").write_text("The Army intends to award a sole-source contract to "
                                     "Acme Inc. under FAR 6.302-1.")
    (folder / "notice.json").write_text(json.dumps({"type": "Special Notice"}))
    done = _extract("--format", "jsonl", str(folder))
    assert done.returncode == 0, done.stderr
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["id"] == "N01" and "notice_class" in result


def test_extract_says_a_scan_was_not_read_without_tesseract(no_tesseract: dict[str, str]
                                                            ) -> None:
    done = _extract(str(SCAN), env=no_tesseract)
    assert done.returncode == 1
    assert f"{SCAN}: nothing could be read: " in done.stderr
    assert "tesseract is not installed (install tesseract-ocr" in done.stderr


def test_status_says_a_scan_was_not_read_without_tesseract(demo_app: Any, settings_for: Any,
                                                           clock: Any,
                                                           no_tesseract: dict[str, str]
                                                           ) -> None:
    settings = settings_for("http://replay.test")
    pipeline.poll(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    pipeline.extract(settings, clock=clock)
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "status"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "scanned documents not read: 1 document(s)" in result.output
    assert "install tesseract-ocr" in result.output


@pytest.mark.slow
def test_demo_says_a_scan_was_not_read_without_tesseract(tmp_path: Path,
                                                         no_tesseract: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["demo", "--output", str(tmp_path / "demo")],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "1 scanned document(s) could not be read" in result.output
    assert "install tesseract-ocr" in result.output


def test_the_table_says_words_not_names_and_marks_what_it_cut(tmp_path: Path) -> None:
    """A reader sees "performance ends" and "a year", never "pop_end" or "per_year"; a long
    quote ends with "…"; the title is the file as given (every document.pdf is not
    "document")."""
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "document.txt").write_text(
        "Award to Harbor Labs, Inc. The estimated value is $120,000 per year for the "
        "laboratory services described in the attached statement of work, which covers the "
        "testing, the reporting and the courier pickups at every site of the region. "
        "The period of performance is March 1, 2027 to February 29, 2028.\n")
    done = _extract(str(folder / "document.txt"), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "document.txt" in out and "performance ends" in out and "(a year)" in out
    for name in ("pop_end", "pop end", "per_year", "(per year)"):
        assert name not in out, name
    assert "…" in out
