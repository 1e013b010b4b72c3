"""`solesource serve`: Datasette over the public database, through Datasette's own test
client (JSON and HTML), and the reading tables the extract stage keeps for it."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import feedparser
import pytest
from markupsafe import escape

from monitor import pipeline
from monitor.browse import check_public, make_datasette
from monitor.browse.links import notice_path
from monitor.demo import run_demo
from monitor.settings import ConfigError
from monitor.store import Store
from tests.conftest import wsgi

ORIGINAL = "samgov:6184b9b69c9d82a48bcd3c01095e4e53"
AMENDMENT = "samgov:05ec0b2b3c01b516ab5d9034ba58faf4"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out


@pytest.fixture(scope="module")
def ds(demo: Path) -> Any:
    return make_datasette(demo / "solesource.db", demo, demo / "private.db")


def get(ds: Any, path: str, **kwargs: Any) -> Any:
    return asyncio.run(ds.client.get(path, **kwargs))


def rows(ds: Any, path: str) -> list[dict[str, Any]]:
    sep = "&" if "?" in path else "?"
    response = get(ds, f"{path}{sep}_shape=array")
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_home_page_offers_search_and_questions(ds: Any) -> None:
    html = get(ds, "/").text
    assert 'action="/solesource/justifications"' in html
    assert "Urgency justifications by agency" in html
    assert "/solesource/urgency_by_agency" in html
    assert "/solesource/deadlines_next_14_days" in html


def test_search_finds_palantir_in_titles_vendors_and_document_text(ds: Any) -> None:
    found = rows(ds, "/solesource/justifications.json?_search=Palantir")
    assert [r["notice_id"] for r in found] == [AMENDMENT]  # the latest of the chain only
    row = found[0]
    assert row["vendor"] == "Palantir Technologies Inc." and row["amount_usd"] == 29_800_000
    assert row["authority"] == "unusual and compelling urgency"
    assert row["agency_path"] == ("Department of Homeland Security > U.S. Immigration and "
                                  "Customs Enforcement")
    assert row["next_deadline"] == "2025-09-25"
    # words that appear only inside the PDF, not in any title or column
    in_pdf = rows(ds, "/solesource/justifications.json?_search=self-deportations")
    assert [r["notice_id"] for r in in_pdf] == [AMENDMENT]
    assert rows(ds, "/solesource/justifications.json?_search=zebrafish") == []


def test_default_facets_and_sort(ds: Any) -> None:
    data = get(ds, "/solesource/justifications.json").json()
    facets = data["facet_results"]
    for name in ("department", "agency", "authority", "kind", "month"):
        assert name in facets, name
    dhs = {f["value"]: f["count"] for f in facets["department"]["results"]}
    assert dhs["Department of Homeland Security"] == 3
    posted = [r[3] for r in data["rows"]]
    assert posted == sorted(posted, reverse=True)
    by_amount = rows(ds, "/solesource/justifications.json?_sort_desc=amount_usd")
    assert by_amount[0]["vendor"] == "Palantir Technologies Inc."


def test_justification_page_shows_values_and_highlighted_evidence(ds: Any) -> None:
    response = get(ds, "/solesource/justifications/" + AMENDMENT.replace(":", "~3A"))
    assert response.status_code == 200
    html = response.text
    assert 'class="vendor">Palantir Technologies Inc.<' in html
    assert '<span class="money">$29,800,000</span>' in html
    assert "estimated value of this modification is <mark>$29,800,000</mark>" in html
    assert "<mark>FAR\n6.302-2</mark>" in html
    assert "A working prototype is due <mark>September 25, 2025</mark>" in html
    assert "/-/attachment/" in html and "the notice on SAM.gov" in html


def test_money_and_redactions_are_formatted_in_tables(ds: Any) -> None:
    html = get(ds, "/solesource/justifications").text
    assert '<span class="money">$29,800,000</span>' in html
    assert '<span class="redacted">redacted</span>' in html  # the USACE and ICE/CBP LSJs


def test_canned_questions(ds: Any) -> None:
    urgency = rows(ds, "/solesource/urgency_by_agency.json")
    assert urgency[0]["agency"] == "U.S. Immigration and Customs Enforcement"
    assert urgency[0]["total_usd"] == 29_800_000
    assert {r["agency"] for r in urgency} == {"U.S. Immigration and Customs Enforcement",
                                              "U.S. Army Corps of Engineers"}
    assert rows(ds, "/solesource/urgency_by_agency.json?year=2019") == []
    week = rows(ds, "/solesource/largest_this_week.json")
    assert week and all(r["posted_date"] > "2025-04-22" for r in week)
    month = rows(ds, "/solesource/largest_this_month.json")
    amounts = [r["amount_usd"] for r in month]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == 29_800_000
    deadlines = rows(ds, "/solesource/deadlines_next_14_days.json?as_of=2025-05-01")
    assert [(r["deadline"], r["vendor"]) for r in deadlines] == [
        ("2025-05-09", "Jackson Laboratory"), ("2025-05-14", "Firefly Aerospace Inc.")]
    assert deadlines[0]["quote"].startswith("Capability statements received by May 9, 2025")
    history = rows(ds, "/solesource/vendor_history.json?vendor=palantir")
    assert len(history) == 1 and history[0]["total_usd"] == 29_800_000
    assert rows(ds, "/solesource/metadata_disagreements.json") == []


def test_vendor_and_agency_totals_link_to_their_justifications(ds: Any) -> None:
    vendors = rows(ds, "/solesource/vendor_totals.json")
    assert vendors[0]["vendor"] == "Palantir Technologies" and vendors[0]["total_usd"] == 29.8e6
    html = get(ds, "/solesource/vendor_totals").text
    assert 'href="/solesource/justifications?vendor_group=Palantir%20Technologies"' in html
    agencies = rows(ds, "/solesource/agency_totals.json")
    ice = next(a for a in agencies if a["agency"] == "U.S. Immigration and Customs Enforcement")
    assert ice["justifications"] == 2 and ice["urgency"] == 1


def test_atom_feeds_of_questions_and_filtered_tables(ds: Any) -> None:
    feed = feedparser.parse(get(ds, "/solesource/urgency_justifications.atom").text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "solesource: Every urgency justification"
    titles = [e.title for e in feed.entries]
    assert "Justification and Approval - ImmigrationOS modification (Amendment 1)" in titles
    entry = next(e for e in feed.entries if "ImmigrationOS" in e.title)
    assert entry.link.endswith(notice_path(AMENDMENT))
    assert "amount: $29,800,000" in entry.summary
    table_feed = feedparser.parse(get(
        ds, "/solesource/justifications.atom?agency=U.S.+Immigration+and+Customs+Enforcement").text)
    assert not table_feed.bozo and len(table_feed.entries) == 2
    empty = feedparser.parse(get(ds, "/solesource/deadlines_next_14_days.atom?as_of=2020-01-01")
                             .text)
    assert not empty.bozo and empty.entries == []
    assert "atom" in get(ds, "/solesource/urgency_justifications").text


def test_notice_links_are_stable_across_amendments(ds: Any) -> None:
    first = get(ds, notice_path(ORIGINAL))
    assert first.status_code == 302
    assert first.headers["location"].endswith("/solesource/justifications/"
                                              + AMENDMENT.replace(":", "~3A"))
    navy = get(ds, notice_path("samgov:a9cbec0d694d64cd47733a83f2e76c1b"))  # not a J&A
    assert "/solesource/notices/" in navy.headers["location"]
    assert get(ds, notice_path("samgov:nope")).status_code == 404


def test_stored_documents_are_served_safely(ds: Any, demo: Path) -> None:
    db = sqlite3.connect(demo / "solesource.db")
    pdf_id, = db.execute("select id from attachments where media_type = 'application/pdf' "
                         "and state = 'stored' limit 1").fetchone()
    html_id = db.execute("select id from attachments where media_type = 'text/html' "
                         "and state = 'stored' limit 1").fetchone()
    db.close()
    pdf = get(ds, f"/-/attachment/{pdf_id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-content-type-options"] == "nosniff"
    if html_id:
        page = get(ds, f"/-/attachment/{html_id[0]}")
        assert page.headers["content-type"].startswith("text/plain")
        assert page.headers["content-security-policy"] == "sandbox"
    assert get(ds, "/-/attachment/../../private.db").status_code == 404
    assert get(ds, "/-/attachment/nope").status_code == 404


def test_private_database_is_never_served(ds: Any, demo: Path) -> None:
    assert [d["name"] for d in get(ds, "/-/databases.json").json()] == ["solesource"]
    assert get(ds, "/private").status_code == 404
    assert get(ds, "/solesource/subscriptions").status_code == 404
    assert get(ds, "/solesource/outbox.json").status_code == 404
    attach = get(ds, "/solesource.json", params={
        "sql": f"attach database '{demo / 'private.db'}' as p"})
    assert attach.status_code == 400
    with pytest.raises(ConfigError, match="private"):
        check_public(demo / "private.db")
    with pytest.raises(ConfigError, match="private database"):
        make_datasette(demo / "private.db", demo, demo / "private.db")
    with pytest.raises(ConfigError, match="No database"):
        check_public(demo / "missing.db")


def test_document_markup_is_inert_on_pages(tmp_path: Path, demo: Path) -> None:
    copy = tmp_path / "solesource.db"
    source = sqlite3.connect(demo / "solesource.db")
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("update justifications set title = '<script>alert(1)</script>', "
                   "rationale = '<img src=x onerror=alert(2)>', link = 'javascript:alert(3)' "
                   "where notice_id = ?", [AMENDMENT])
    target.execute("update evidence set quote = '<script>alert(4)</script> $29,800,000' "
                   "where notice_id = ? and field = 'amount'", [AMENDMENT])
    target.commit()
    target.close()
    ds = make_datasette(copy, demo)
    html = get(ds, "/solesource/justifications/" + AMENDMENT.replace(":", "~3A")).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt; <mark>$29,800,000</mark>" in html
    assert 'href="javascript:' not in html


def test_an_amendment_that_raises_the_amount_is_recorded(demo_app, settings_for, clock,
                                                         tmp_path: Path) -> None:
    """The original J&A said $17,000,000; Amendment 1 says $29,800,000."""
    from extractors.text import load_path
    from monitor.replay.data import DEMO_DIR

    original = next(n for n in demo_app.data.notices
                    if n["title"] == "Justification and Approval - ImmigrationOS modification")
    att = original["_attachments"][0]
    text = load_path(DEMO_DIR / att["path"]).text.replace("$29,800,000", "$17,000,000")
    att["content"], att["name"] = text, "ICE_ImmigrationOS_JA.txt"
    settings = settings_for("http://replay.test")
    pipeline.cycle(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    store = Store.open(settings.public_db, settings.private_db)
    changes = list(store.public["changes"].rows)
    store.close()
    assert len(changes) == 1
    change = changes[0]
    assert change["notice_id"] == AMENDMENT and change["compared_with"] == f"{ORIGINAL}@1"
    assert change["note"] == "amount $17M → $29.8M"
    ds = make_datasette(settings.public_db, settings.data_dir)
    raised = rows(ds, "/solesource/amendments_raised_amount.json")
    assert [(r["notice_id"], r["increase_usd"]) for r in raised] == [(AMENDMENT, 12_800_000)]
    assert [r["notice_id"] for r in rows(ds, "/solesource/justifications.json"
                                             "?_search=ImmigrationOS")] == [AMENDMENT]


def test_serve_refuses_the_private_database_from_the_command_line(demo: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    result = CliRunner().invoke(cli, ["--data-dir", str(demo), "serve",
                                      str(demo / "private.db")])
    assert result.exit_code != 0
    assert "is the private database" in result.output


def test_unsubscribe_link_asks_then_unsubscribes_once(tmp_path: Path, demo: Path) -> None:
    import shutil
    from datetime import UTC, datetime

    from monitor.browse import unsubscriber
    from monitor.settings import Settings
    from notifications.subscriptions import signing_key, unsubscribe_token

    for name in ("solesource.db", "private.db"):
        shutil.copy(demo / name, tmp_path / name)
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings.public_db, settings.private_db)
    key = signing_key(store, settings.delivery)
    sub_id, other_id = [r[0] for r in store.private.execute(
        "select id from subscriptions order by id limit 2")]
    store.close()
    token = unsubscribe_token(key, sub_id)
    ds = make_datasette(settings.public_db, tmp_path, settings.private_db,
                        unsubscriber(settings, lambda: datetime(2025, 5, 1, tzinfo=UTC)))

    def state(subscription_id: int) -> str:
        db = sqlite3.connect(settings.private_db)
        try:
            return db.execute("select state from subscriptions where id = ?",
                              [subscription_id]).fetchone()[0]
        finally:
            db.close()

    page = get(ds, f"/-/unsubscribe?s={sub_id}&t={token}")
    assert page.status_code == 200 and 'method="post"' in page.text
    assert state(sub_id) == "active"  # a link scanner's GET changes nothing
    # someone else's subscription with this token: refused
    forged = asyncio.run(ds.client.post(f"/-/unsubscribe?s={other_id}&t={token}",
                                       data={"List-Unsubscribe": "One-Click"}))
    assert forged.status_code == 400 and state(other_id) == "active"
    # the mail client's RFC 8058 one-click POST, with no form token
    done = asyncio.run(ds.client.post(f"/-/unsubscribe?s={sub_id}&t={token}",
                                      data={"List-Unsubscribe": "One-Click"}))
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert state(sub_id) == "unsubscribed" and state(other_id) == "active"
    again = asyncio.run(ds.client.post(f"/-/unsubscribe?s={sub_id}&t={token}"))
    assert again.status_code == 200 and state(sub_id) == "unsubscribed"
    assert get(ds, "/-/unsubscribe?s=1&t=<script>").status_code == 400
    assert "@" not in page.text + done.text  # no addresses on the pages


def test_a_reader_holding_the_database_does_not_block_the_poller(demo_app, settings_for, clock):
    """WAL: Datasette (and anyone with an open read transaction) reads a consistent snapshot
    while the pipeline writes; nothing waits on anything."""
    import threading
    from datetime import date

    from monitor.replay import Dataset

    settings = settings_for("http://replay.test")
    pipeline.cycle(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    reader = sqlite3.connect(settings.public_db, timeout=0.1)
    reader.execute("begin")
    before = reader.execute("select count(*) from notices").fetchone()[0]
    ds = make_datasette(settings.public_db, settings.data_dir)
    stop, statuses = threading.Event(), []

    def browse() -> None:
        async def loop() -> None:
            while not stop.is_set():
                r = await ds.client.get("/solesource/justifications.json?_search=Army")
                statuses.append(r.status_code)
        asyncio.run(loop())

    thread = threading.Thread(target=browse)
    thread.start()
    try:
        demo_app.data.notices.extend(Dataset.synthetic(40, date(2025, 4, 1), 29,
                                                       attachments=True).notices)
        results = pipeline.cycle(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert [r.status for r in results] == ["ok"]
    assert reader.execute("select count(*) from notices").fetchone()[0] == before  # snapshot
    reader.execute("commit")
    assert reader.execute("select count(*) from notices").fetchone()[0] == before + 40
    reader.close()
    assert statuses and set(statuses) == {200}


# --- Browsing (issue 15, finding 10) -----------------------------------------------------------

SCANNED_FIRST = ["posted_date", "agency", "vendor", "amount_usd", "authority", "next_deadline",
                 "title"]


def header_columns(html: str) -> list[str]:
    return re.findall(r'<th [^>]*data-column="([^"]+)"', html)


def test_justifications_table_leads_with_what_a_reporter_scans(ds: Any) -> None:
    html = get(ds, "/solesource/justifications").text
    columns = header_columns(html)
    assert columns[:7] == SCANNED_FIRST
    assert len(columns) == len(set(columns)) and "rationale" in columns  # nothing lost
    # each row's cells are in the same order as the headings
    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="col-([a-z_]+) ', first_row) == columns
    # descriptions are in the column menus, not a wall of text above the table
    assert 'class="column-descriptions"' not in html
    assert 'data-column="amount_usd"' in html and 'data-column-description="The headline amount' \
        in html
    # long text is cut in the table, in full on the row page
    rationale = get(ds, "/solesource/justifications.json?_shape=array&notice_id="
                    + AMENDMENT.replace(":", "%3A")).json()[0]["rationale"]
    assert len(rationale) > 100
    row_html = html.split(f'{AMENDMENT.replace(":", "~3A")}"')[1].split("</tr>")[0]
    cell = re.search(r'<td class="col-rationale type-str">(.*?)</td>', row_html, re.S)
    assert cell and cell.group(1).endswith("…") and len(cell.group(1)) <= 81
    page = get(ds, "/solesource/justifications/" + AMENDMENT.replace(":", "~3A")).text
    assert str(escape(rationale)) in page


def test_earlier_notice_link_opens_the_earlier_notice(ds: Any) -> None:
    page = get(ds, "/solesource/justifications/" + AMENDMENT.replace(":", "~3A")).text
    href = re.search(r'<a class="earlier-notice" href="([^"]+)">earlier notice</a>', page)
    assert href, "no earlier-notice link on the amendment's page"
    earlier = get(ds, href.group(1))
    assert earlier.status_code == 200, (href.group(1), earlier.status_code)
    assert ORIGINAL in earlier.text and "/solesource/notices/" in href.group(1)
    assert ORIGINAL.replace(":", "~3A") in href.group(1)
    # in the tables too: previous_notice_id is that notice, not the end of its chain
    table = get(ds, "/solesource/justifications?notice_id=" + AMENDMENT.replace(":", "%3A")).text
    cell = re.search(r'<td class="col-previous_notice_id[^"]*"><a href="([^"]+)">', table)
    assert cell and get(ds, cell.group(1)).status_code == 200
    assert cell.group(1) == href.group(1)


def test_feeds_and_bad_addresses_are_404_or_400_never_500(ds: Any) -> None:
    notices = get(ds, "/solesource/notices.atom")
    assert notices.status_code == 200
    feed = feedparser.parse(notices.text)
    assert not feed.bozo and len(feed.entries) == 15
    assert all(e.link.split("/-/notice/")[1] for e in feed.entries)
    for table in ("raw_records", "agency_totals", "vendor_totals", "attachments"):
        response = get(ds, f"/solesource/{table}.atom")
        assert response.status_code == 404, (table, response.status_code)
        assert "no feed of this list" in response.text
        assert "atom" not in re.findall(r"This data as (.*?)</p>", get(
            ds, f"/solesource/{table}").text, re.S)[0]
    for path in ("/-/notice/a/b", "/-/notice/a~2Fb", "/-/nothing/here/at/all"):
        assert get(ds, path).status_code == 404, path
    for path in ("/solesource/justifications?_sort=nonexistent",
                 "/solesource/justifications.json?_sort_desc=nonexistent",
                 "/solesource/justifications.atom?_sort=nonexistent",
                 "/solesource/notices?_sort=title&_sort_desc=title"):
        response = get(ds, path)
        assert response.status_code == 400, (path, response.status_code)
    bad = get(ds, "/solesource/justifications.json?_sort=nonexistent").json()
    assert bad["error"].startswith("Cannot sort by 'nonexistent': no such column")


def test_deadlines_count_from_the_newest_posting_like_the_other_questions(ds: Any) -> None:
    newest = rows(ds, "/solesource/justifications.json?_size=1")[0]["posted_date"]
    assert newest == "2025-04-29"
    deadlines = rows(ds, "/solesource/deadlines_next_14_days.json")  # no as_of
    assert [(r["deadline"], r["vendor"]) for r in deadlines] == [
        ("2025-05-09", "Jackson Laboratory")]  # May 14 is 15 days after April 29
    assert rows(ds, "/solesource/deadlines_next_14_days.json?as_of=2025-05-01")[1][
        "vendor"] == "Firefly Aerospace Inc."
    page = get(ds, "/solesource/deadlines_next_14_days").text
    assert "from the newest posting" in page


def test_question_pages_lead_with_the_answer(ds: Any) -> None:
    for name in ("urgency_by_agency", "deadlines_next_14_days", "largest_this_month"):
        html = get(ds, f"/solesource/{name}").text
        assert 'id="sql-query"' not in html and "from justifications" not in body(html), name
        assert "_show_sql=1" in html, name  # Datasette's "show" link
        assert "rows-and-columns" in html or "0 results" in html, name
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title and "select" not in title.group(1), (name, title)
        shown = get(ds, f"/solesource/{name}?_show_sql=1").text
        assert 'id="sql-query"' in shown and "from justifications" in body(shown), name


def body(html: str) -> str:
    """What a visitor sees: the page body without its scripts."""
    return re.sub(r"<script.*?</script>", "", html.split("<body", 1)[1], flags=re.S)


def test_demo_email_unsubscribe_link_works_under_the_readme_serve_command(
        demo: Path, tmp_path: Path) -> None:
    """README: `solesource demo --output demo-output`, then `solesource serve
    demo-output/solesource.db` from the same folder, without a data folder of its own."""
    import email
    import os
    import shutil
    import subprocess
    import sys

    import httpx

    from tests.conftest import ROOT

    out = tmp_path / "demo-output"
    out.mkdir()
    for name in ("solesource.db", "private.db"):
        shutil.copy(demo / name, out / name)
    shutil.copytree(demo / "mail", out / "mail")
    eml = next((out / "mail").glob("*.eml"))
    header = email.message_from_bytes(eml.read_bytes())["List-Unsubscribe"]
    link = "".join(header.split()).strip("<>")
    assert link.startswith("http://127.0.0.1:8001/-/unsubscribe?s=")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLESOURCE_")}
    env |= {"COLUMNS": "200", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "demo-output/solesource.db", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        started = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        assert started, f"serve did not start: {line}"
        url = link.replace("http://127.0.0.1:8001/", started.group(1))
        with httpx.Client(timeout=30) as client:
            ask = client.get(url)
            assert ask.status_code == 200, ask.text[:300]
            assert 'method="post"' in ask.text
            done = client.post(url, data={"List-Unsubscribe": "One-Click"})
            assert done.status_code == 200 and "You are unsubscribed" in done.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    sid = int(re.search(r"s=(\d+)", link).group(1))
    db = sqlite3.connect(out / "private.db")
    try:
        assert db.execute("select state from subscriptions where id = ?",
                          [sid]).fetchone()[0] == "unsubscribed"
    finally:
        db.close()
    assert not (tmp_path / "solesource-data").exists()  # nothing created beside it


def test_hostile_sorts_and_notice_addresses_never_give_500(ds: Any) -> None:
    """Any _sort/_sort_desc value and any /-/notice/ path: a page, a redirect, 400 or 404."""
    from urllib.parse import quote

    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
    fmt = st.sampled_from(["", ".json", ".atom", ".csv"])
    table = st.sampled_from(["justifications", "notices", "agency_totals", "evidence"])

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(table, fmt, st.sampled_from(["_sort", "_sort_desc"]), text, text)
    @example("justifications", "", "_sort", "\n", "x")  # a newline once slipped past the rule
    def check(table: str, fmt: str, key: str, value: str, notice: str) -> None:
        for path in (f"/solesource/{table}{fmt}?{key}={quote(value)}",
                     f"/-/notice/{quote(notice, safe='/')}"):
            status = get(ds, path).status_code
            assert status in {200, 302, 400, 404}, (path, status)

    check()


def test_status_counts_what_datasette_shows(ds: Any, demo: Path) -> None:
    """`solesource status` once counted SAM.gov 'Justification' notice types (10 in the demo)
    while the justifications table showed 13 rows: now both count the same rows."""
    from monitor.settings import Settings
    from monitor.store import open_store

    shown = rows(ds, "/solesource/justifications.json?_size=max")
    with open_store(Settings(data_dir=demo)) as store:
        counts = store.counts()
    assert counts["justifications"] + counts["notices_of_intent"] == len(shown)
    assert counts["justifications"] == sum(r["kind"] == "Justification" for r in shown)
