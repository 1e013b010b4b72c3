"""The agency and vendor pages in headless Chromium, over a real `solesource serve` process:
from the home page, find ICE by a spelling ("DHS/ICE"), read its parent and a sourced fact
(its tier and the link to its source), then go on to Palantir's vendor page and do the same.
Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from monitor import facts
from monitor.demo import run_demo
from tests.awards import CELLEBRITE, PALANTIR_ORIGINAL, SWITCHBLADE, add_awards
from tests.browser import browser_page
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    db = Database(out / "solesource.db")
    add_awards(db)
    with db.conn:
        for notice in (PALANTIR_ORIGINAL, CELLEBRITE, SWITCHBLADE):
            facts.refresh(db, notice, datetime(2025, 5, 2, tzinfo=UTC))
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--data-dir", str(out), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, COLUMNS="200"), cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the socket is listening
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        assert match, f"serve did not start: {line}{proc.stdout.read() if proc.poll() else ''}"
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sourced_fact(page: object, containing: str) -> dict[str, str]:
    """The tier, statement and source link of the first fact on the page that mentions
    ``containing``."""
    fact = page.locator("ul.facts li.fact", has_text=containing).first  # type: ignore[attr-defined]
    link = fact.locator("a.source-link").first
    return {"tier": fact.locator(".tier").inner_text().strip().lower(),
            "statement": fact.locator(".statement").inner_text(),
            "href": link.get_attribute("href") or "", "label": link.inner_text()}


def test_agency_page_then_vendor_page_show_sourced_facts(server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        page.click("a.agencies-page")
        page.wait_for_url(re.compile(r"/-/agencies$"))
        page.fill("input[name=q]", "DHS/ICE")
        page.press("input[name=q]", "Enter")
        page.wait_for_url(re.compile(r"/-/agencies\?q=DHS"))
        page.click("text=U.S. Immigration and Customs Enforcement")
        page.wait_for_url(re.compile(r"/-/agency/U~2ES~2E\+Immigration"))
        assert page.inner_text("h1") == "U.S. Immigration and Customs Enforcement"
        assert page.inner_text("dd.parent") == "Department of Homeland Security"
        spellings = page.inner_text("ul.spellings")
        assert "ICE" in spellings and "US IMMIGRATION AND CUSTOMS ENFORCEMENT" in spellings
        late = sourced_fact(page, "posted 49 days after award")
        assert late["tier"] == "inferential"
        assert late["href"].startswith("https://www.usaspending.gov/award/CONT_AWD_70CMSD25F")
        assert "FAR 8.405-6(a)(2) allows 14" in late["statement"]
        page.screenshot(path=str(ARTIFACTS / "datasette-agency-ice.png"), full_page=True,
                        timeout=60000)

        page.click("ol.top-vendors a:text('Palantir Technologies')")
        page.wait_for_url(re.compile(r"/-/vendor/Palantir\+Technologies$"))
        assert "PALANTIR USG INC" in page.inner_text("ul.spellings")
        assert "N6KLLMQ7KUB5" in page.inner_text("dd.ueis")
        money = sourced_fact(page, "138% of the $29.8M justified")
        assert money["tier"] == "inferential" and "usaspending.gov/award/" in money["href"]
        page.screenshot(path=str(ARTIFACTS / "datasette-vendor-palantir.png"), full_page=True,
                        timeout=60000)

        page.click("table.justifications-list a:text('ImmigrationOS')")
        page.wait_for_url(re.compile(r"/solesource/justifications/samgov~3A05ec"))
        primary = sourced_fact(page, "The justification states $29.8M")
        assert primary["tier"] == "primary" and "/-/attachment/" in primary["href"]
        secondary = sourced_fact(page, "obligated to date on award 70CMSD22FR0000081")
        assert secondary["tier"] == "secondary"
        page.locator("section.award-facts").screenshot(
            path=str(ARTIFACTS / "datasette-justification-facts.png"), timeout=60000)
        document = page.request.get(server.rstrip("/") + primary["href"])
        assert document.status == 200 and document.body().startswith(b"%PDF")  # its source
        assert not errors
    for name in ("datasette-agency-ice.png", "datasette-vendor-palantir.png",
                 "datasette-justification-facts.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
