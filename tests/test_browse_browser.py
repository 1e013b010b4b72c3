"""A real `solesource serve` process driven by headless Chromium, the way a reporter uses it:
search "Palantir", open the justification, read vendor, amount and the evidence quote; and
answer "which agencies used urgency justifications most, and for how much?" from the home
page. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.demo import run_demo
from tests.browser import browser_page
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    env = dict(os.environ, COLUMNS="200")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--data-dir", str(out), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the socket is listening
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        assert match, f"serve did not start: {line}{proc.stdout.read() if proc.poll() else ''}"
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_search_open_and_read_the_evidence(server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        page.fill("input[name=_search]", "Palantir")
        page.press("input[name=_search]", "Enter")
        page.wait_for_url(re.compile(r"/solesource/justifications\?_search=Palantir"))
        assert "1 row where search matches" in page.inner_text("body")
        page.click("table.rows-and-columns td.col-notice_id a")
        page.wait_for_url(re.compile(r"/solesource/justifications/samgov~3A"))
        card = page.inner_text(".summary-card")
        assert "Palantir Technologies Inc." in card
        assert "$29,800,000" in card
        assert "unusual and compelling urgency" in card
        marked = page.locator(".evidence mark").all_inner_texts()
        assert "$29,800,000" in marked
        quotes = page.inner_text(".evidence")
        assert "estimated value of this modification is $29,800,000" in quotes
        page.screenshot(path=str(ARTIFACTS / "datasette-justification.png"), full_page=True,
                        timeout=60000)
        assert not errors
    assert (ARTIFACTS / "datasette-justification.png").stat().st_size > 10_000


def test_urgency_by_agency_is_one_click_from_home(server: str) -> None:
    with browser_page() as page:
        page.goto(server)
        page.click("text=Urgency justifications by agency")
        page.wait_for_url(re.compile(r"/solesource/urgency_by_agency"))
        table = page.inner_text("table.rows-and-columns")
        first = table.splitlines()[1]
        assert "U.S. Immigration and Customs Enforcement" in first and "$29,800,000" in first
        assert "U.S. Army Corps of Engineers" in table
        page.screenshot(path=str(ARTIFACTS / "datasette-urgency-by-agency.png"),
                        full_page=True, timeout=60000)


def test_the_demo_prints_how_to_browse(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "monitor", "demo", "--output",
                             str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                            env=dict(os.environ, COLUMNS="200"), timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"solesource serve {tmp_path / 'solesource.db'}" in result.stdout


def test_justifications_table_fits_a_1400_by_900_screen(server: str) -> None:
    """What a reporter scans first is on screen without scrolling sideways, the rows are short,
    and the column descriptions are in each column's menu instead of above the table."""
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(server + "solesource/justifications")
        page.screenshot(path=str(ARTIFACTS / "datasette-justifications-table.png"),
                        timeout=60000)
        headings = [h.split()[0] for h in page.locator(
            "table.rows-and-columns th").all_inner_texts()[:7]]
        assert headings == ["posted_date", "agency", "vendor", "amount_usd", "authority",
                            "next_deadline", "title"]
        for column in ("amount_usd", "title"):
            box = page.locator(f"table.rows-and-columns th.col-{column}").bounding_box()
            assert box and box["x"] + box["width"] <= 1400, (column, box)
        rows = page.locator("table.rows-and-columns tbody tr")
        first = rows.first.bounding_box()
        assert first and first["y"] + first["height"] <= 900, first  # above the fold
        heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
        assert len(heights) == 13 and max(heights) <= 90, heights
        assert page.locator("dl.column-descriptions").count() == 0
        page.click("th.col-amount_usd svg.dropdown-menu-icon")
        description = page.locator(".dropdown-menu .dropdown-column-description")
        assert "headline amount" in description.inner_text()
