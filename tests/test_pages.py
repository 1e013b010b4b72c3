"""Agency and vendor pages (issue 16): the demo's justifications, awards written as the
USAspending source writes them, their facts, served by Datasette's own test client."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from sqlite_utils import Database

from monitor import facts
from monitor.browse import make_datasette
from monitor.demo import run_demo
from tests.awards import CELLEBRITE, PALANTIR, PALANTIR_ORIGINAL, SWITCHBLADE, add_awards

ICE = "/-/agency/U~2ES~2E+Immigration+and+Customs+Enforcement"
DHS = "/-/agency/Department+of+Homeland+Security"
PALANTIR_PAGE = "/-/vendor/Palantir+Technologies"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out


@pytest.fixture(scope="module")
def ds(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("awards") / "solesource.db"
    shutil.copy(demo / "solesource.db", path)
    db = Database(path)
    add_awards(db)
    with db.conn:
        for notice in (PALANTIR_ORIGINAL, CELLEBRITE, SWITCHBLADE):
            facts.refresh(db, notice, datetime(2025, 5, 2, tzinfo=UTC))
    db.close()
    return make_datasette(path, demo)


def get(ds: Any, path: str) -> Any:
    return asyncio.run(ds.client.get(path))


def text(html: str) -> str:
    """What a visitor reads: tags, scripts and styles dropped, spaces collapsed."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&gt;", ">").replace("&amp;", "&")
                    .split())


def test_ice_page_resolves_the_naming_mess(ds: Any) -> None:
    page = get(ds, ICE)
    assert page.status_code == 200
    html, words = page.text, text(page.text)
    assert re.search(r'<dd class="parent"><a href="/-/agency/Department\+of\+Homeland\+Security">'
                     r"Department of Homeland Security</a>", html)
    spelled = re.findall(r"<li>(.*?) <span class=\"where\">— (.*?)</span></li>", html)
    seen = {s: where for s, where in spelled}
    assert seen["ICE"] == "the document"  # the original J&A's own word
    assert "SAM.gov agency path" in seen["US IMMIGRATION AND CUSTOMS ENFORCEMENT"]
    assert "USAspending" in seen["U.S. Immigration and Customs Enforcement"]
    assert "HOMELAND SECURITY, DEPARTMENT OF.US IMMIGRATION AND CUSTOMS ENFORCEMENT" in words
    # each justification under its office; totals; the late posting; top vendors
    assert "IMMIGRATION AND CUSTOMS ENFORCEMENT (70CMSD)" in words
    assert "2 justifications" in words
    assert "$29,800,000 justified (1 stated, 1 redacted)" in words
    assert "$42,350,000 obligated on 2 awards" in words
    assert "50% urgency (1)" in words and "1 posted late" in words
    assert 'href="/-/vendor/Palantir+Technologies">Palantir Technologies</a>' in html
    assert "LSJ - Cellebrite Premium licenses" in words


def test_agency_facts_show_their_tier_and_source(ds: Any) -> None:
    html = get(ds, ICE).text
    late = re.search(r'<li class="fact tier-(\w+) flagged" data-tier="\w+">(.*?)</li>', html, re.S)
    assert late, "no flagged fact on the ICE page"
    facts_html = html.split('class="flagged-facts"')[1]
    item = next(li for li in facts_html.split("<li ")[1:] if "posted 49 days" in li)
    assert 'data-tier="inferential"' in item and "posted late" in item
    assert ('class="source-link" href="https://www.usaspending.gov/award/'
            "CONT_AWD_70CMSD25F00000212_7012_47QTCA19D00AB_4732\"") in item
    assert "FAR 8.405-6(a)(2) allows 14" in item and "Rule: days from" in item


def test_any_spelling_of_an_agency_leads_to_its_page(ds: Any) -> None:
    for spelling in ("ICE", "DHS~2FICE", "US+IMMIGRATION+AND+CUSTOMS+ENFORCEMENT",
                     "Immigration+and+Customs+Enforcement"):
        response = get(ds, f"/-/agency/{spelling}")
        assert response.status_code == 302, spelling
        assert response.headers["location"] == ICE, spelling
    assert get(ds, "/-/agency/ICE.atom").headers["location"] == ICE + ".atom"
    for missing in ("/-/agency/nope", "/-/agency/~zz", "/-/vendor/nope", "/-/vendor/~"):
        assert get(ds, missing).status_code == 404, missing


def test_department_page_lists_its_agencies_and_their_justifications(ds: Any) -> None:
    page = get(ds, DHS)
    words = text(page.text)
    assert page.status_code == 200
    assert "no parent" in words
    children = re.search(r'<dd class="children">(.*?)</dd>', page.text, re.S)
    assert children and "U.S. Immigration and Customs Enforcement</a> (2)" in children.group(1)
    assert "U.S. Customs and Border Protection</a> (1)" in children.group(1)
    assert "3 justifications" in words
    assert ("U.S. Customs and Border Protection > OFFICE OF PROCUREMENT (70B04C)" in words)


def test_vendor_page_has_names_ueis_parent_agencies_and_every_award(ds: Any) -> None:
    page = get(ds, PALANTIR_PAGE)
    assert page.status_code == 200
    words = text(page.text)
    assert "Palantir Technologies Inc. — the document" in words
    assert "PALANTIR USG INC — USAspending recipient" in words
    assert "N6KLLMQ7KUB5 (USAspending recipient)" in words
    assert "PALANTIR TECHNOLOGIES INC. (UEI QBLKMXZ6LJL8)" in words
    assert 'href="/-/agency/U~2ES~2E+Immigration+and+Customs+Enforcement"' in page.text
    for piid in ("70CMSD22FR0000081", "70CMSD25C00000099", "47QTCA18D003G"):
        assert piid in words, piid
    # the vehicle's obligations are its orders': not added to theirs
    assert "$46,200,000 obligated on 2 awards" in words
    assert "obligated $41.2M = 138% of the $29.8M justified" in words
    for key in ("N6KLLMQ7KUB5", "PALANTIR+USG+INC", "Palantir+Technologies+Inc~2E",
                "palantir+technologies"):
        response = get(ds, f"/-/vendor/{key}")
        assert response.status_code == 302 and response.headers["location"] == PALANTIR_PAGE, key


def test_indexes_are_searchable_by_any_spelling_name_or_uei(ds: Any) -> None:
    home = get(ds, "/").text
    assert 'href="/-/agencies"' in home and 'href="/-/vendors"' in home
    agencies = get(ds, "/-/agencies").text
    assert 'name="q"' in agencies and ICE in agencies and DHS in agencies
    found = get(ds, "/-/agencies?q=DHS%2FICE").text
    assert ICE in found and "/-/agency/Department+of+the+Army" not in found
    assert "No agency matches" in get(ds, "/-/agencies?q=zebrafish").text
    vendors = get(ds, "/-/vendors?q=N6KLLMQ7KUB5").text
    assert PALANTIR_PAGE in vendors and "/-/vendor/AeroVironment" not in vendors
    assert PALANTIR_PAGE in get(ds, "/-/vendors?q=usg").text  # the award's recipient name
    assert "No vendor matches" in get(ds, "/-/vendors?q=zebrafish").text


def test_agency_and_vendor_feeds(ds: Any) -> None:
    feed = feedparser.parse(get(ds, ICE + ".atom").text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "solesource: agency U.S. Immigration and Customs Enforcement"
    entries = {e.title: e for e in feed.entries}
    assert set(entries) == {"LSJ - Cellebrite Premium licenses",
                            "Justification and Approval - ImmigrationOS modification "
                            "(Amendment 1)"}
    assert "posted 49 days after award" in entries["LSJ - Cellebrite Premium licenses"].summary
    vendor = feedparser.parse(get(ds, PALANTIR_PAGE + ".atom").text)
    assert not vendor.bozo and [e.title for e in vendor.entries] == [
        "Justification and Approval - ImmigrationOS modification (Amendment 1)"]
    assert vendor.entries[0].link.endswith("/-/notice/samgov~3A05ec0b2b3c01b516ab5d9034ba58faf4")
    assert 'type="application/atom+xml"' in get(ds, ICE).text


def test_justification_page_links_the_pages_and_shows_its_facts(ds: Any) -> None:
    html = get(ds, "/solesource/justifications/" + PALANTIR.replace(":", "~3A")).text
    assert f'class="agency-link" href="{ICE}"' in html
    assert f'class="agency-link" href="{DHS}"' in html
    assert f'class="vendor-link" href="{PALANTIR_PAGE}"' in html
    assert 'class="vendor">Palantir Technologies Inc.<' in html
    section = html.split('class="award-facts"')[1].split("</section>")[0]
    tiers = re.findall(r'<li class="fact tier-\w+( flagged)?" data-tier="(\w+)"', section)
    assert {"primary", "secondary", "inferential"} == {t for _, t in tiers}
    assert tiers[0] == (" flagged", "inferential")  # what to chase leads, then tier by tier
    order = [facts.TIERS.index(t) for flagged, t in tiers if not flagged]
    assert order == sorted(order)
    assert 'href="/-/attachment/samgov:05ec0b2b3c01b516ab5d9034ba58faf4/' in section
    assert 'href="https://sam.gov/opp/05ec0b2b3c01b516ab5d9034ba58faf4/view"' in section
    assert "obligated $41.2M = 138% of the $29.8M justified" in section


def test_agency_and_vendor_columns_link_to_the_pages(ds: Any) -> None:
    table = get(ds, "/solesource/justifications?notice_id=" + PALANTIR.replace(":", "%3A")).text
    assert f'<td class="col-agency type-str"><a href="{ICE}">' in table
    assert f'<td class="col-department type-str"><a href="{DHS}">' in table
    assert f'<td class="col-vendor type-str"><a href="{PALANTIR_PAGE}">' in table
    totals = get(ds, "/solesource/agency_totals").text
    assert f'class="page-link" href="{ICE}"' in totals
    query = get(ds, "/solesource/urgency_by_agency").text
    assert f'<a href="{ICE}">' in query


def test_pages_escape_what_the_data_says(demo: Path, tmp_path: Path) -> None:
    path = tmp_path / "solesource.db"
    shutil.copy(demo / "solesource.db", path)
    db = sqlite3.connect(path)
    db.execute("update justifications set vendor = '<script>alert(1)</script>', "
               "vendor_group = '<b>Evil</b> & Co' where notice_id = ?", [PALANTIR])
    db.execute("update award_facts set source_url = 'javascript:alert(2)', "
               "statement = '<img src=x onerror=alert(3)>' where notice_id = ?", [PALANTIR])
    db.execute("update award_facts set flag = 'posted_late' where notice_id = ?", [PALANTIR])
    db.commit()
    db.close()
    ds = make_datasette(path, demo)
    for page in (ICE, "/-/vendor/~3Cb~3EEvil~3C~2Fb~3E+~26+Co", "/-/vendors",
                 "/solesource/justifications/" + PALANTIR.replace(":", "~3A")):
        response = get(ds, page)
        assert response.status_code == 200, page
        body = response.text
        assert "<script>alert" not in body and "<img src=x" not in body, page
        assert 'href="javascript:' not in body and "<b>Evil" not in body, page


def test_hostile_page_addresses_never_give_500(ds: Any) -> None:
    from urllib.parse import quote

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(["/-/agency/", "/-/vendor/", "/-/agencies?q=", "/-/vendors?q="]),
           st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
           st.sampled_from(["", ".atom"]))
    def check(prefix: str, name: str, suffix: str) -> None:
        path = prefix + quote(name, safe="~+") + (suffix if "?" not in prefix else "")
        status = get(ds, path).status_code
        assert status in {200, 302, 404}, (path, status)

    check()


def test_pages_work_before_any_award_is_linked(demo: Path, tmp_path: Path) -> None:
    path = tmp_path / "solesource.db"
    shutil.copy(demo / "solesource.db", path)
    db = Database(path)
    for table in ("award_facts", "award_links", "award_versions", "awards"):
        db.execute(f"delete from {table}")  # as before the first enrich run
    db.conn.commit()
    db.close()
    ds = make_datasette(path, demo)
    words = text(get(ds, ICE).text)
    assert "$0 obligated on 0 awards" in words and "0 posted late" in words
    assert "No award linked yet" in text(get(ds, PALANTIR_PAGE).text)


def test_sam_paths_split_on_their_dots_not_on_initials() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from monitor.browse.pages import office_of, segments

    assert segments("HOMELAND SECURITY, DEPARTMENT OF.U.S. CUSTOMS AND BORDER PROTECTION."
                    "OFFICE OF PROCUREMENT") == ["HOMELAND SECURITY, DEPARTMENT OF",
                                                "U.S. CUSTOMS AND BORDER PROTECTION",
                                                "OFFICE OF PROCUREMENT"]
    assert office_of({"filed_under": "DEPT OF DEFENSE.DEPT OF THE ARMY.USACE.SWD.W076 ENDIST "
                                     "FT WORTH", "agency_code": "021.2100.W9126G"}) == (
        "W076 ENDIST FT WORTH (W9126G)")
    assert office_of({"filed_under": "Children and Families Administration",
                      "agency_code": None}) == "office not named"

    @given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=30)))
    def check(path: str, code: str | None) -> None:
        parts = segments(path)
        assert all(p and p == p.strip() for p in parts)
        assert all(p in path for p in parts)
        assert isinstance(office_of({"filed_under": path, "agency_code": code}), str)

    check()
