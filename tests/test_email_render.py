"""The digest email's HTML, rendered by a real headless Chromium; a screenshot is kept in
test-artifacts/ for people to look at."""

from __future__ import annotations

from pathlib import Path

from notifications import Item, Message
from notifications.email import build
from tests.browser import browser_page
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


def _message() -> Message:
    items = (
        Item(key="1:a", kind="match", title="Justification and Approval - ImmigrationOS",
             agency="U.S. Immigration and Customs Enforcement",
             agency_path="Department of Homeland Security > U.S. Immigration and Customs "
                         "Enforcement", vendor="Palantir Technologies Inc.",
             amount_usd=29_800_000, redacted_amount=False,
             authority="unusual and compelling urgency", citations=["FAR 6.302-2"],
             key_dates=[("Prototype due", "2025-09-25")],
             rationale="Any other source would need to rebuild the platform first.",
             quote="The estimated value of this modification is $29,800,000.",
             notice_type="Justification", posted_date="2025-04-11",
             source_url="https://sam.gov/opp/x/view", browse_url="http://127.0.0.1:8001/x",
             why="agency: DHS ⊃ ICE; amount ≥ $1M"),
        Item(key="1:b", kind="update", title="<script>alert('x')</script> Cellebrite LSJ",
             agency="U.S. Immigration and Customs Enforcement", agency_path="DHS > ICE",
             vendor="Cellebrite Inc.", amount_usd=None, redacted_amount=True,
             authority="limited sources (FAR 8.405-6)", citations=[], key_dates=[],
             rationale=None, quote=None, notice_type="Justification", posted_date=None,
             source_url=None, browse_url=None, why="agency: DHS ⊃ ICE",
             change="vendor not stated → Cellebrite Inc."),
    )
    return Message(7, "A. Reporter", "2 sole-source justifications (daily digest)", items,
                   unsubscribe_url="http://127.0.0.1:8001/-/unsubscribe?s=7&t=abc")


def test_digest_html_renders_cleanly_in_chromium(tmp_path: Path) -> None:
    msg = build(_message(), "reporter@example.test", "solesource <a@example.test>")
    html = msg.get_body(preferencelist=("html",)).get_content()
    page_file = tmp_path / "digest.html"
    page_file.write_text(html, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        text = page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "email-digest.png"), full_page=True, timeout=60000)
    assert "Palantir Technologies Inc." in text and "$29,800,000" in text
    assert "<script>alert('x')</script> Cellebrite LSJ" in text  # shown as text, not run
    assert not dialogs and not errors
    assert (ARTIFACTS / "email-digest.png").stat().st_size > 10_000
