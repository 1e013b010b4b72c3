"""Unit and property tests for the field extractors and for hostile files."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import Document, extract, load_bytes
from extractors.fields.agency import matches, normalize
from extractors.fields.amount import extract_amounts, find_money
from extractors.fields.authority import category_for, extract_authority, find_citations
from extractors.fields.dates import extract_dates, find_dates
from extractors.fields.kind import doc_kind, notice_class
from extractors.fields.vendor import extract_vendors


def doc(text: str) -> Document:
    return Document.from_text(text)


def _pdf(text: str, **encryption: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


# -- citations and categories --------------------------------------------------------------

def test_old_and_new_far_numbering_and_statutes():
    cites = find_citations("per RFO FAR 6.103-2 and 10 U.S.C. § 3204(a)(2); see also "
                           "FAR 6.302- 1 and 41 USC 253(c)(1)")
    assert [c.text for c in cites] == ["FAR 6.103-2", "10 U.S.C. 3204(a)(2)", "FAR 6.302-1",
                                       "41 U.S.C. 253(c)(1)"]
    assert category_for(cites[:2]) == "urgency"


def test_other_regimes_map_to_their_category():
    assert extract_authority(doc("Authority: FAR 8.405-6(a)(1)(i)(B).")
                             )["category"] == "fss_limited_sources_8_405_6"
    assert extract_authority(doc("under FAR 13.106-1(b)(1), only one source")
                             )["category"] == "simplified_sole_source_13_106"
    assert extract_authority(doc("FAR 16.505(b)(2)(i)(B) applies")
                             )["category"] == "fair_opportunity_exception_16_505"
    assert extract_authority(doc("IAW FAR 12.102(b), restricting competition")
                             )["category"] == "other"


def test_a_form_listing_every_exception_keeps_the_ticked_one():
    text = ("( ) (1) Only one source per FAR 6.302-1; (X) (2) Urgency per FAR 6.302-2; "
            "( ) (3) Expert per FAR 6.302-3; ( ) (4) Agreement per FAR 6.302-4; "
            "( ) (5) Statute per FAR 6.302-5")
    assert [c.text for c in find_citations(text)] == ["FAR 6.302-2"]


def test_posting_and_approval_sections_are_not_authorities():
    assert find_citations("posted per FAR 6.305 and approved per FAR 6.304") == []



def test_authorities_named_only_as_exceptions_or_conditions_are_not_cited():
    rfo = ("Authority: FAR 6.103-2. Per FAR 5.101(b)(2) the contracting officer is not required "
           "to post a notice (see 6.103), except for the authorities at 6.103-1 (only one "
           "responsible source) and 6.103-6 (national security).")
    assert [c.text for c in find_citations(rfo)] == ["FAR 6.103-2"]
    template = ("This template is required for actions over the SAT (unless the procurement is "
                "a limited source IAW FAR 8.405-6 or is an Exception to Fair Opportunity IAW "
                "FAR 16.505(b)(2)). Authority: 41 U.S.C. 3304(a)(1), FAR 6.302-1.")
    assert [c.text for c in find_citations(template)] == ["41 U.S.C. 3304(a)(1)",
                                                         "FAR 6.302-1"]


def test_word_processor_hyphens_and_a_parenthesised_note_after_a_cite():
    cites = find_citations("FAR 6.302\u20111 (only one source); FAR 8.405\u20136(a)(1)(i)(B); "
                           "FAR 6.103-1 (RFO)")
    assert [c.text for c in cites] == ["FAR 6.302-1", "FAR 8.405-6(a)(1)(i)(B)", "FAR 6.103-1"]


def test_statutes_spelled_out_and_a_misread_paragraph_one():
    cites = find_citations("pursuant to 10 United States Code 3204(a)(2) as implemented in "
                           "FAR 6.302-2(a)(2); see FAR 13.501(a)(l)(ii)")
    assert [c.text for c in cites] == ["10 U.S.C. 3204(a)(2)", "FAR 6.302-2(a)(2)",
                                       "FAR 13.501(a)(1)(ii)"]


def test_a_template_listing_every_exception_with_long_descriptions_is_no_citation():
    long = "a description of this exception that goes on and on for the reader. " * 12
    menu = " ".join(f"FAR 6.302-{n} - {long if n == 5 else 'Short title'}" for n in range(1, 8))
    text = f"5. Authority: [select the appropriate authority below] {menu}\n\n6. Rationale."
    assert find_citations(text) == []


# -- amounts --------------------------------------------------------------------------------

def test_headline_amount_beats_thresholds_and_history():
    text = ("Approval by the competition advocate is required for actions over $750,000. "
            "The prior contract totalled $4,000,000. The estimated total value of this "
            "action is $32.2M including all options.")
    out = extract_amounts(doc(text))
    assert out["amount"]["value_usd"] == 32_200_000
    assert out["amount"]["kind"] == "base_plus_options"
    assert {a["value_usd"] for a in out["other_amounts"]} == {750_000, 4_000_000}


def test_redaction_styles():
    for text in ("The estimated value of this procurement is $(b)(4).",
                 "The estimated value is [REDACTED].",
                 "Estimated value: $█████.",
                 "The estimated value of this procurement is. The contractor will deliver.",
                 "3. Description.\nADCP units.\n\n4. Estimated Dollar Value.\n\n5. Authority.",
                 "3.c IGCE/Estimated dollar value: The IGCE is inclusive of one 6- month option "
                 "period. Refer to the IGCE for additional details."):
        out = extract_amounts(doc(text))
        assert out["redacted_amount"], text
        assert out["amount"] is None or out["amount"]["value_usd"] is None


def test_a_value_prompt_answered_with_a_figure_is_no_redaction():
    for text in ("4. Estimated Dollar Value.\nThe estimated value is $125,000.",
                 "Estimated value: The total is $1,250,000 including options.",
                 "Estimated Dollar Value: 2,500,000 USD"):
        out = extract_amounts(doc(text))
        assert not out["redacted_amount"] and out["amount"]["value_usd"], text


def test_amount_forms():
    values = {m.value for m in find_money("$1.5 billion, 60,000 USD, USD 32,447 and $ 5,000")}
    assert values == {1_500_000_000, 60_000, 32_447, 5_000}



def test_an_estimate_stated_as_a_verb_is_the_headline():
    for text, value in [
        ("The Government estimates the value to be between $2 million and $3 million.", 2e6),
        ("We estimate this requirement will cost $640,000.", 640_000),
    ]:
        assert extract_amounts(doc(text))["amount"]["value_usd"] == value, text


# -- dates ----------------------------------------------------------------------------------

def test_military_and_slashed_iso_dates_and_a_range_without_spaces():
    for text, want in [
        ("Responses are due 01-MAR-2026.", [("response_due", "2026-03-01")]),
        ("Responses are due 1-Mar-26.", [("response_due", "2026-03-01")]),
        ("Responses are due on 2026/03/01.", [("response_due", "2026-03-01")]),
        ("Period of performance: 10/1/2025-9/30/2026",
         [("pop_start", "2025-10-01"), ("pop_end", "2026-09-30")]),
    ]:
        assert [(d["type"], d["date"]) for d in extract_dates(doc(text))] == want, text


def test_the_dates_of_the_competition_planned_to_follow_are_not_this_actions():
    later = ("This bridge covers the gap. Market research for a new contract with an anticipated "
             "start of February 1, 2026 is under way. Once the scope is received, the team will "
             "resume procurement activities with an anticipated award date of March 1, 2027.")
    assert {d["type"] for d in extract_dates(doc(later))} == {"other"}
    for own in ("This sole source order has an anticipated award date of March 1, 2026.",
                "The anticipated award date of this sole source order is March 1, 2026."):
        assert [(d["type"], d["date"]) for d in extract_dates(doc(own))] == [
            ("award", "2026-03-01")], own


def test_a_delivery_date_after_a_long_condition_is_still_delivery():
    text = "Delivery is required no later than 30 days after award, on or before 2026-02-15."
    assert [(d["type"], d["date"]) for d in extract_dates(doc(text))] == [
        ("delivery", "2026-02-15")]


def test_dates_typed_and_form_footers_skipped():
    text = ("Form Rev. 11/6/2025\nThe period of performance is October 1, 2025 through "
            "September 30, 2026. Responses are due no later than 2:00 PM on 10/15/2025. "
            "Digitally signed Date: 2026.06.11 14:53:33 -05'00'")
    got = {(d["type"], d["date"]) for d in extract_dates(doc(text))}
    assert ("pop_start", "2025-10-01") in got and ("pop_end", "2026-09-30") in got
    assert ("response_due", "2025-10-15") in got and ("signature", "2026-06-11") in got
    assert not any(d == "2025-11-06" for _, d in got)


def test_ocr_damaged_years_and_impossible_days():
    found = {when for _, _, when in find_dates("from April 1, 20l5 through April 31, 2026")}
    assert found == {"2015-04-01", "2026-04"}


# -- vendors, agencies, notices -------------------------------------------------------------

def test_vendor_is_the_awardee_not_a_protester():
    text = ("Acme Widgets, Inc. filed a protest. The Government intends to award a sole-source "
            "contract to Palantir Technologies Inc. of Denver, CO (UEI: ABCDEFGHJKLM).")
    vendors = extract_vendors(doc(text))
    assert vendors[0]["name"] == "Palantir Technologies Inc."
    assert vendors[0]["uei"] == "ABCDEFGHJKLM"


def test_vendors_named_in_the_common_ways_of_an_only_source_justification():
    for text, name in [
        ("The only known source for this requirement is Zeta Systems.", "Zeta Systems"),
        ("Only Rho Dynamics can provide the required parts.", "Rho Dynamics"),
        ("Phi Consulting Group is uniquely qualified to perform this work.",
         "Phi Consulting Group"),
        ("Maintenance can only be performed by GE Healthcare.", "GE Healthcare"),
        ("Repairs are performed exclusively by the OEM, Varian Medical Systems.",
         "Varian Medical Systems"),
    ]:
        assert [v["name"] for v in extract_vendors(doc(text))] == [name], text
    for text in ("Only the Government can decide.", "The data is proprietary to the Government.",
                 "Services can only be provided by a cleared firm."):
        assert extract_vendors(doc(text)) == [], text


def test_one_company_named_twice_is_one_vendor_and_pronouns_or_dates_are_none():
    text = ("Only Philips can provide this item. The parts are only available from Philips. "
            "Philips North America is the manufacturer of the ultrasound. They are the "
            "incumbent. Work began 4 March is the only date.")
    assert [v["name"] for v in extract_vendors(doc(text))] == ["Philips"]
    # a name is read whole, never from inside a word: "iDesign", not "Design"
    assert [v["name"] for v in extract_vendors(doc(
        "iDesign is uniquely qualified to provide the design."))] == ["iDesign"]


def test_agency_aliases_are_one_agency_under_its_department():
    for alias in ("ICE", "DHS/ICE", "U.S. Immigration and Customs Enforcement",
                  "HOMELAND SECURITY, DEPARTMENT OF.US IMMIGRATION AND CUSTOMS ENFORCEMENT"):
        found = normalize(alias)
        assert found and found["normalized"] == "U.S. Immigration and Customs Enforcement"
        assert found["path"][0] == "Department of Homeland Security"
    assert matches("DHS", normalize("CBP")["path"])
    assert not matches("HHS", normalize("ICE")["path"])
    # a newsroom following the FBI hears of the FBI's actions, not all of Justice's
    assert matches("FBI", normalize("Federal Bureau of Investigation")["path"])
    assert not matches("FBI", normalize("Federal Bureau of Prisons")["path"])
    assert matches("Department of Justice", normalize("U.S. Marshals Service")["path"])
    assert normalize("USACE Louisville District")["path"][-2:] == [
        "Department of the Army", "U.S. Army Corps of Engineers"]


def test_a_contract_vehicle_named_for_an_agency_is_not_the_buyer():
    assert normalize("Order against GSA Schedule 47QTCA19D00AB held by Tyler Inc.") is None
    assert normalize("Released under Fair Opportunity on GSA Alliant 3 and NASA SEWP V") is None
    found = normalize("The order on the GSA Federal Supply Schedule is placed by ICE.")
    assert found and found["normalized"] == "U.S. Immigration and Customs Enforcement"
    assert normalize("The GSA Public Buildings Service")["normalized"] == (
        "General Services Administration")


def test_notice_traps():
    assert notice_class("A single source of truth for all records.", {"type": "Special Notice"}
                        )[0] == "neither"
    assert notice_class("This is brand name or equal; small business set-aside.", {}
                        )[0] == "neither"
    cls, _ = notice_class("The agency intends to negotiate on a sole source basis with Acme "
                          "Inc. Capability statements are due May 9, 2025.", {})
    assert cls == "intent_to_sole_source"


# -- hostile files ----------------------------------------------------------------------------

def test_text_pdf_is_read_page_by_page():
    d = load_bytes(_pdf("The estimated value is $1,000,000."), "a.pdf")
    assert d.status == "ok" and d.pages[0].number == 1 and "$1,000,000" in d.text


def test_encrypted_pdf_is_a_status_not_a_crash():
    d = load_bytes(_pdf("secret", owner_password="o", user_password="u"), "locked.pdf")
    assert d.status in ("encrypted", "unreadable") and "password" in " ".join(d.problems)
    assert extract(d).status in ("encrypted", "unreadable")


def test_truncated_and_fake_pdfs():
    data = _pdf("hello world " * 50)
    for blob in (data[: len(data) // 3], b"%PDF-1.7\n" + b"\x00\xff" * 500, b""):
        d = load_bytes(blob, "bad.pdf")
        assert d.status != "ok" or not d.text.strip()
        assert extract(d).id == "bad.pdf"


def test_docx_zip_bomb_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document>" + "A" * (210 * 1024 * 1024))
    d = load_bytes(buf.getvalue(), "bomb.docx")
    assert d.status == "too_large" and "zip bomb" in d.problems[0]


def test_a_stream_small_enough_to_be_a_bomb_is_still_inflated_and_measured():
    """Sizes alone clear most PDFs; a stream whose compressed size leaves room for a bomb
    is inflated and measured."""
    import zlib

    from extractors.text import DEFAULT_LIMITS, inflate_bomb

    zeros = zlib.compress(b"\0" * (2 * 1024 * 1024), 9)  # 2 KB that becomes 2 MB
    pdf = b"%PDF-1.4\n1 0 obj << /Filter /FlateDecode >> stream\n" + zeros + b"endstream\n"
    assert inflate_bomb(pdf, DEFAULT_LIMITS) is None
    small = dataclasses.replace(DEFAULT_LIMITS, max_stream_inflated=1024 * 1024)
    assert "inflates past 1 MB" in (inflate_bomb(pdf, small) or "")
    under = dataclasses.replace(DEFAULT_LIMITS, max_stream_inflated=3 * 1024 * 1024)
    assert inflate_bomb(pdf, under) is None  # measured: 2 MB is under the limit


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=600))
def test_extract_never_raises_on_any_text(text):
    result = extract(doc(text))
    assert result.status == "ok"
    for v in result.vendors:
        assert v.evidence is not None and v.evidence.quote in text


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_load_bytes_never_raises(blob):
    d = load_bytes(blob, "x.pdf")
    assert d.status in ("ok", "unreadable", "partial", "encrypted", "too_large", "timeout")


def test_an_agency_regulation_named_as_the_basis_is_authority_by_statute():
    doc = Document.from_text(
        "The Bureau proposes a noncompetitive grazing permit for Mesa Ranch LLC.\n\n"
        "This action is taken pursuant to 43 CFR 4130.2(b), as defined in 43 CFR 4100.0-5.")
    got = extract_authority(doc, "fr_sole_source_notice")
    assert got["category"] == "authorized_by_statute"
    assert got["citations"] == ["43 CFR 4130.2(b)"]  # a definition cited is not the basis
    assert "pursuant to 43 CFR 4130.2(b)" in got["evidence"]["quote"]


def test_a_cfr_cite_only_in_passing_or_to_the_far_is_not_that_authority():
    passing = Document.from_text("Records are kept in accordance with 36 CFR 1222.32. "
                                 "The contractor complies with 21 CFR Part 11.")
    assert extract_authority(passing) is None
    far = Document.from_text("This sole source is made pursuant to 48 CFR 6.302-1, only one "
                             "responsible source.")
    assert (extract_authority(far) or {}).get("category") != "authorized_by_statute"


def test_a_date_in_a_signature_block_is_quoted_by_its_own_line():
    text = ("Contracting Officer\nSignature\nJANE ROE\nDigitally signed by JANE ROE Date: "
            "2026.04.17 08:11:29 -04'00'\nARA\n\nThe requirement is urgent.")
    dates = extract_dates(Document.from_text(text))
    quote = next(d["evidence"]["quote"] for d in dates if d["date"] == "2026-04-17")
    assert quote == "Digitally signed by JANE ROE Date: 2026.04.17 08:11:29 -04'00'"


def test_a_company_name_wrapped_onto_the_next_line_is_read_whole():
    from extractors.nlp import organizations

    prose = ("Posting a solicitation would delay an already urgent request. Blue-Sky \n"
             "Analytics, LLC is currently performing the work under the prior order.")
    assert [o[2] for o in organizations(prose)] == ["Blue-Sky \nAnalytics, LLC"]
    form = ("Firm Fixed Price Yes No Brand Name Yes No Vendor Name Lexicon\n"
            "Services, Inc. Contact Person Jane Roe")  # the labels above are not the name
    assert [o[2] for o in organizations(form)] == ["Lexicon\nServices, Inc."]
    short_line = "Vendor Name\nAcme Widgets, Inc."
    assert [o[2] for o in organizations(short_line)] == ["Acme Widgets, Inc."]


_NAME_WORDS = ["Acme", "ACME", "Blue-Sky", "widgets", "the", "a", "&", ",", "and", "Co.", "Inc",
               "Inc.", "LLC", "company", "Company", "limited", "Corp.", "L.L.C.", "plc", "(X)",
               "O'Neil", "éclair", "Ǆemal", "\n", " ", "-", "1st", "ACME,", "is", "Ltd"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_NAME_WORDS), max_size=40).map(" ".join))
def test_a_suffix_after_a_word_without_a_capital_cannot_end_a_name(text):
    """The ruler skips suffixes whose preceding word has no capital; reading every suffix
    finds the same names."""
    from extractors import nlp

    skipping = nlp.organizations(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(nlp, "_named_before", lambda text, at: True)
        assert nlp.organizations(text) == skipping


def test_ocr_specks_do_not_hide_dates_or_their_roles():
    from extractors.text import clean_ocr

    text = clean_ocr("Rationale: Task Order expires on February'12, 2026. The period -of "
                     "performance will be for 2/13/2026 - 8/12/2026.")
    got = {(d["type"], d["date"]) for d in extract_dates(Document.from_text(text))}
    assert {("contract_expiration", "2026-02-12"), ("pop_start", "2026-02-13"),
            ("pop_end", "2026-08-12")} <= got


def test_between_opens_a_period_only_when_a_date_follows_it():
    text = ("Between February and April 2024, both procurement staff left. Services are "
            "needed between December 2025 to January 2026.")
    got = {(d["type"], d["date"]) for d in extract_dates(Document.from_text(text))}
    assert ("other", "2024-04") in got
    assert {("pop_start", "2025-12"), ("pop_end", "2026-01")} <= got


def test_an_ocr_quote_keeps_the_longest_cleanly_read_run_of_words():
    from extractors import Page

    ocr = Document(pages=[Page(1, "Due to\nthe ‘unusual and compelling urgency of this "
                                  "requirement, no other sources are planned.", "ocr")])
    quote = ocr.evidence(0, len(ocr.text))["quote"]
    assert quote == "and compelling urgency of this requirement, no other sources are planned."
    text_layer = Document(pages=[Page(1, ocr.pages[0].text, "text")])
    assert text_layer.evidence(0, len(ocr.text))["quote"] == ocr.pages[0].text


def test_docx_forms_keep_content_controls_checkboxes_and_nested_tables():
    from docx import Document as Docx
    from docx.oxml import parse_xml

    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"')
    d = Docx()
    d.add_paragraph("Justification for Other Than Full and Open Competition")
    body = d.element.body
    body.insert(len(body) - 1, parse_xml(  # a block-level content control: a filled-in field
        f'<w:sdt {ns}><w:sdtPr><w:alias w:val="Vendor"/></w:sdtPr><w:sdtContent><w:p><w:r>'
        '<w:t>Contractor: Kestrel Optics, Inc.</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    body.insert(len(body) - 1, parse_xml(  # ticked and empty checkbox content controls
        f'<w:p {ns}><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        '<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr>'
        '<w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt>'
        '<w:r><w:t xml:space="preserve"> Only one responsible source (FAR 6.302-1) </w:t></w:r>'
        '<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>'
        '<w:r><w:t xml:space="preserve"> Urgency (FAR 6.302-2)</w:t></w:r></w:p>'))
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Estimated value"
    inner = outer.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "$2,400,000"
    buf = io.BytesIO()
    d.save(buf)
    doc = load_bytes(buf.getvalue(), "form.docx")
    assert "Contractor: Kestrel Optics, Inc." in doc.text
    assert "☒ Only one responsible source (FAR 6.302-1) ☐ Urgency (FAR 6.302-2)" in doc.text
    assert "$2,400,000" in doc.text and "Estimated value\t" in doc.text
    got = extract(doc)
    assert got.vendors[0].name == "Kestrel Optics, Inc."
    assert got.authority is not None and got.authority.category == "only_one_source"


def test_a_response_deadline_written_not_later_than_with_a_named_time_zone():
    from extractors import response_due

    text = ("Interested firms may submit capability statements to the contact not later than "
            "9 a.m. Pacific Daylight Time on 5/4/2026. Oral responses are not accepted.")
    assert response_due(text) == "2026-05-04"


def test_the_company_a_contract_was_originally_awarded_to_is_history_not_the_vendor():
    text = ("(2) Proposed contractor. Northgate Systems is the only responsible source able to "
            "continue the service without a break.\n\nThe service was originally awarded to "
            "Meridian Data Corporation in 2019 and later novated.")
    names = [v["name"] for v in extract_vendors(Document.from_text(text))]
    assert names[0] == "Northgate Systems" and "Meridian Data Corporation" not in names


def _checkbox_form(tick: int | None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in ("Justification for Other Than Full and Open Competition",
                 "Contractor: Halvorsen Marine Systems, Inc.", "Authority (check one):"):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    options = ["Only one responsible source, FAR 6.302-1",
               "Unusual and compelling urgency, FAR 6.302-2",
               "Industrial mobilization, FAR 6.302-3", "International agreement, FAR 6.302-4"]
    for i, option in enumerate(options):
        y = pdf.get_y() + 1.5
        pdf.rect(12, y, 4, 4)  # the box, drawn
        if i == tick:  # the tick, drawn as an X: no character in the text layer
            pdf.line(12, y, 16, y + 4)
            pdf.line(16, y, 12, y + 4)
        pdf.set_x(18)
        pdf.cell(0, 7, option, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_checkbox_ticked_by_drawing_is_read_from_the_page_layout():
    doc = load_bytes(_checkbox_form(tick=1), "form.pdf")
    assert "☒ Unusual and compelling urgency, FAR 6.302-2" in doc.text
    assert "☐ Only one responsible source, FAR 6.302-1" in doc.text
    got = extract(doc).authority
    assert got is not None and got.category == "urgency" and got.citations == ("FAR 6.302-2",)


def test_a_form_with_no_tick_drawn_names_no_authority():
    doc = load_bytes(_checkbox_form(tick=None), "form.pdf")
    assert "☒" not in doc.text and "☐" not in doc.text
    assert extract(doc).authority is None


def test_a_page_whose_objects_cannot_be_read_keeps_its_text():
    from extractors.layout import needs_layout, read_ticks, worth_reading

    class Broken:
        def get_objects(self, **_options: object) -> object:
            raise RuntimeError("damaged page object")

    texts = ["Check one: ( ) FAR 6.302-1 ( ) FAR 6.302-2 ( ) FAR 6.302-3"]
    assert needs_layout(texts[0]) and not worth_reading(Broken(), 0)
    assert read_ticks(b"%PDF-1.4 not really", texts, []) == texts
    assert read_ticks(b"%PDF-1.4 not really", texts, [0]) == texts  # pdfplumber fails: text


def test_an_award_of_up_to_an_amount_is_the_headline_but_a_threshold_is_not():
    award = ("The agency announces the intent to award a cooperative agreement in the amount "
             "of up to $2,450,000 to Harbor Relief Services.")
    assert extract_amounts(doc(award))["amount"]["value_usd"] == 2_450_000
    threshold = "Approval is required for actions of up to $750,000 under the threshold."
    assert extract_amounts(doc(threshold))["amount"] is None


def test_the_date_another_document_was_signed_is_not_this_ones_signature():
    text = ("See the urgency memo signed on 2/26/26 by the Associate Director.\n\n"
            "Contracting Officer signature: Jane Roe, Date signed: 3/2/2026")
    got = {(d["type"], d["date"]) for d in extract_dates(Document.from_text(text))}
    assert ("other", "2026-02-26") in got and ("signature", "2026-03-02") in got


def test_a_guide_names_no_vendor_and_no_deadline():
    """A guide's dates are examples and history: typed "other", never an action's deadline."""
    text = ("A Guide to Emergency IT Purchases\n\nAgencies used this path in 2020. Quotes were "
            "due by July 1, 2020, and Acme Inc. is the only source for the licenses. The "
            "period of performance began March 23, 2020 and ends September 15, 2020.")
    result = extract(doc(text))
    assert result.vendors == ()
    assert result.dates and {d.type for d in result.dates} == {"other"}
    plain = extract(doc(text.replace("A Guide to", "Justification for")))
    assert {d.type for d in plain.dates} - {"other"}  # the same dates, typed, elsewhere


def test_vendor_phrasings_seen_in_the_wild():
    cases = {
        "Contractor: Siemens Healthineers\nAddress: 40 Liberty Blvd, Malvern, PA":
            "Siemens Healthineers",  # a form field's value ends at its line
        "Only Microsoft Corporation can provide the source code updates required.":
            "Microsoft Corporation",  # the adverb opening the sentence is not the name
        "The order will be placed with Acme Distributors LLC for the licenses.":
            "Acme Distributors LLC",
        "Award will be made to Johnson Controls Federal Systems for the chillers.":
            "Johnson Controls Federal Systems",
        "The required software is only available from ESRI.": "ESRI",
        "The incumbent Contractor, NTT Data Services Federal Government, LLC is the only source.":
            "NTT Data Services Federal Government, LLC",
        "This is a follow-on to contract W911QY-20-C-0012 with Battelle Memorial Institute.":
            "Battelle Memorial Institute",
        "Issue a modification to contract W91QUZ-20-C-0001 with Anduril Industries to extend.":
            "Anduril Industries",
        "The agency will negotiate only with Thermo Fisher Scientific.":
            "Thermo Fisher Scientific",
        "Sole Source to: Motorola Solutions": "Motorola Solutions",
        "The contractor, ManTech International, possesses unique knowledge of the system.":
            "ManTech International",
        "Contractor Name and Address: Zeta Systems\n123 Road, Reston VA": "Zeta Systems",
        "Omega Labs has been identified as the only vendor able to meet the requirement.":
            "Omega Labs",
        "Omega Labs (hereafter the Contractor) shall provide the services.": "Omega Labs",
        "Recommended for award: Omega Labs": "Omega Labs",
        "The only authorized service provider is Omega Labs.": "Omega Labs",
    }
    for text, name in cases.items():
        assert [v["name"] for v in extract_vendors(doc(text))][:1] == [name], text
    assert extract_vendors(doc("The camera may be replaced with High definition units.")) == []
    for unnamed in ("The proposed contractor is [REDACTED].", "The only source is the OEM.",
                    "The contractor, which has performed since 2019, holds the only staff.",
                    "Recommended for award: (b)(4)", "The contractor, (b)(4), is the only source.",
                    "The only authorized service provider is located in Germany.",
                    "This office has been identified as the only office able to manage it."):
        assert extract_vendors(doc(unnamed)) == [], unnamed
    # FAR 8.405-6 boilerplate names no company
    assert extract_vendors(doc("the new work is a logical follow-on to an original Federal "
                               "Supply Schedule order or BPA provided that the original order "
                               "or BPA was placed in accordance with FSS procedures")) == []
    # one company, named once: not again by the tail of its name
    names = [v["name"] for v in extract_vendors(doc(
        "Elbit Systems of America, LLC holds the proprietary data rights to the system."))]
    assert names == ["Elbit Systems of America, LLC"]


def test_date_roles_from_wording_seen_in_the_wild():
    def roles(text: str) -> list[tuple[str, str]]:
        return [(d["type"], d["date"]) for d in extract_dates(doc(text))]

    assert roles("ACTION: Notice of proposed award.\nDATES:\nEffective Date: May 1, 2011.\n"
                 ) == [("pop_start", "2011-05-01")]
    assert roles("VA Form 10-1234\nEffective Date: 01/15/2019") == []  # a form's revision
    assert roles("The contract is under a 52.217-8 extension, which cannot be extended beyond "
                 "15 January 2026.") == [("contract_expiration", "2026-01-15")]
    assert roles("NOV 5, 2025 Jeffery Koses Senior Procurement Executive"
                 ) == [("signature", "2025-11-05")]
    # a signing in the sentence before is not this date's; one close by (OCR's stray period) is
    assert roles("The J&A was signed by the Contracting Officer on February 26, 2025. Contract "
                 "36E79725D0024 contains an ordering period of March 3, 2025, through June 2, "
                 "2025.")[1] == ("other", "2025-03-03")
    assert roles("Digitally signed by. BRIAN LOGSDON Date: 2026.07.07 09:25:29 -04'00'"
                 ) == [("signature", "2026-07-07")]
    assert roles("The new team was assigned to draft the solicitation in April 2025."
                 ) == [("other", "2025-04")]
    assert roles("Award is anticipated on or about 02/15/2026.") == [("award", "2026-02-15")]
    # a GAO decision's date, and a browser's print header, are nobody's signature
    assert roles("Decision\nMatter of: Acme Inc.\nFile: B-422905; B-422905.2\nDate: December 13, "
                 "2024\n") == [("other", "2024-12-13")]
    assert roles("Approval Signature Date 07/28/2025\n7/31/25, 9:21 AM WorkflowPro https://x.mil/"
                 "apps/j_and_a?p_id=1 3/4") == [("signature", "2025-07-28"),
                                                ("other", "2025-07-31")]


def test_amount_wording_seen_in_the_wild():
    def headline(text: str) -> float | None:
        found = extract_amounts(doc(text))["amount"]
        return found and found["value_usd"]

    assert headline("Fines of up to $50,000 may apply. The contract value is $3.4 million."
                    ) == 3_400_000
    # the old contract's value is history; the bridge's estimate is the headline
    assert headline("The existing contract's total value was $10M; this bridge is estimated "
                    "at $2.1M.") == 2_100_000
    assert headline("This J&A supports a bridge extension of the existing contract. The "
                    "estimated value is $2M.") == 2_000_000
    found = extract_amounts(doc("The total value of the order will not exceed $499,000."))
    assert found["amount"]["kind"] == "ceiling"


def test_an_8a_sole_source_is_its_own_category():
    found = extract_authority(doc("This 8(a) sole source award is made under FAR 19.808-1(a) "
                                  "and 15 U.S.C. 637(a)(1)(D)."))
    assert found["category"] == "sba_8a"
    assert found["citations"] == ["FAR 19.808-1(a)", "15 U.S.C. 637(a)(1)(D)"]
    # FAR 6.302-5(b)(4) authorizes 8(a) sole sources by statute: the 8(a) says which
    assert extract_authority(doc("Authority: FAR 6.302-5(b)(4); an 8(a) sole source under FAR "
                                 "19.808-1."))["category"] == "sba_8a"
    assert extract_authority(doc("FAR 6.302-2, unusual and compelling urgency. The firm is an "
                                 "8(a) participant (FAR 19.808-1)."))["category"] == "urgency"


def test_a_template_header_listing_authorities_cites_none_of_them():
    text = ("FAR 6.302 FAR 8.405-6 FAR 13.106-1 FAR 16.505 FAR 19.808-1 FAR 13.5 Justification "
            "for Other Than Full and Open Competition\n\n5. Authority: 41 U.S.C. 3304(a)(2), "
            "FAR 6.302-2, unusual and compelling urgency.")
    found = extract_authority(doc(text))
    assert found["category"] == "urgency"
    assert found["citations"] == ["41 U.S.C. 3304(a)(2)", "FAR 6.302-2"]


def test_a_ja_under_far_13_5_is_a_ja_and_one_up_to_the_sat_a_simplified_justification():
    body = "\n\n1. Contracting Activity: Department of Veterans Affairs.\n" + "x " * 200
    assert doc_kind("Justification and Approval (J&A) when using Simplified Acquisition "
                    "Procedures for Commercial Products exceeding the SAT, pursuant to 41 "
                    "U.S.C. 1901" + body, True) == "ja"
    assert doc_kind("Justification Review Document for Other than Full and Open Competition- "
                    "FAR Part 13.501" + body, True) == "ja"
    assert doc_kind("JUSTIFICATION & APPROVAL FOR OTHER THAN FULL AND OPEN COMPETITION for "
                    "SIMPLIFIED ACQUISITIONS OVER $10,000 AND UP TO $250,000 (See FAR 13.106-1)"
                    + body, True) == "ssj"
    assert doc_kind("SOLE SOURCE JUSTIFICATION UNDER SIMPLIFIED PROCEDURES FOR CERTAIN "
                    "COMMERCIAL ITEMS IN ACCORDANCE WITH FAR 13.5" + body, True) == "ssj"


def test_a_titled_document_with_its_early_sections_inline_is_not_a_fragment():
    inline = ("Justification and Approval (J&A) for Other Than Full and Open Competition\n\n"
              "I. Agency and Contracting Activity. Department of the Air Force. II. Nature of "
              "the action. " + "The Government requires continued support. " * 12 +
              "\n\nIII. Description of Supplies. Spares.")
    assert doc_kind(inline, True) == "ja"
    second_page = ("Department of the Air Force: Justification for Other Than Full and Open "
                   "Competition\n\nCUI\n\nVI. Integrated Market Analysis. None was done. "
                   + "More text. " * 40)
    assert doc_kind(second_page, True) == "fragment"  # a page header over the second page


def test_a_long_signed_off_ja_missing_its_first_sections_is_a_ja_not_a_fragment():
    body = ("4. Statutory Authority Permitting Other Than Full & Open Competition\n\n"
            "5. Rationale. This J&A is based upon FAR 6.302-1. "
            + "The part is proprietary. " * 130)
    signed = body + ("\nI certify that this J&A is accurate and complete to the best of my "
                     "knowledge and belief. Approval Required By Far 6.304 Signature Date 07/28/25")
    assert doc_kind(signed, True) == "ja"
    assert doc_kind(body, True) == "fragment"  # no sign-off: a part of one
    assert doc_kind("4. Authority. FAR 6.302-1.\nI certify that this J&A is accurate.", True
                    ) == "fragment"  # a short excerpt that includes the certification


def test_a_form_menu_of_every_authority_does_not_make_a_ja_a_simplified_one():
    form = ("NRC JUSTIFICATION AND APPROVAL Version Control Date: June 10, 2024 Justification "
            "and Approval (J&A) For All Commercial/Non-Commercial Contract Actions\n\nFAR 6.302 "
            "FAR 8.405-6 FAR 13.106-1 FAR 16.505 FAR 19.808-1 Justification for Other Than Full "
            "and Open Competition (JOFOC) Limited Sources Justification (LSJ) Sole Source "
            "Justification for Acquisitions NOT Exceeding the Simplified Acquisition Procedures "
            "(SAP)\n\nRationale: unusual and compelling urgency.")
    assert doc_kind(form, True) == "ja"


def test_a_value_cut_out_mid_sentence_or_left_as_table_headers_was_redacted():
    for text in ("This contract has an estimated value of This task order is a CPFF type.",
                 "The Independent Government Cost Estimate is. The contracting officer will "
                 "take the following steps.",
                 "(c) Contract type. Firm Fixed Price (FFP) (d) Estimated total value, including "
                 "options.\nPeriod of Performance Unit Price Total\nBase Year 12 Months Total"):
        found = extract_amounts(doc(text))
        assert found["redacted_amount"] and found["amount"]["value_usd"] is None, text
    for text in ("The total value of The Boeing Company's contract is $5,000,000.",
                 "The IGCE is $2,100,000.", "The estimated value of the contract is $80,000."):
        found = extract_amounts(doc(text))
        assert not found["redacted_amount"] and found["amount"]["value_usd"], text


def test_a_template_asking_for_the_value_with_none_given_was_silently_redacted():
    asked = ("3. Description of Supplies/Services, including the estimated value: The agency "
             "requires ten radios.\n4. Authority: FAR 6.302-2.")
    assert extract_amounts(doc(asked))["redacted_amount"] is True
    given = asked.replace("ten radios.", "ten radios at an estimated $45,000.")
    found = extract_amounts(doc(given))
    assert found["redacted_amount"] is False and found["amount"]["value_usd"] == 45_000
    assert extract_amounts(doc("The agency requires ten radios."))["redacted_amount"] is False


def _sentence_span_by_whole_windows(text: str, start: int, end: int, limit: int = 600
                                    ) -> tuple[int, int]:
    """sentence_span as first written: every break in the 600 characters either side."""
    from extractors.fields.common import _SENT_END, _ends_here

    lo = max(0, start - limit)
    left = lo
    for m in _SENT_END.finditer(text, lo, start):
        if _ends_here(text, m):
            left = m.end()
    after = [m.start() for m in _SENT_END.finditer(text, end, min(len(text), end + limit))
             if _ends_here(text, m)]
    right = after[0] if after else min(len(text), end + limit)
    while left < start and text[left].isspace():
        left += 1
    return left, max(right, end)


_PROSE = ["Acme", "Inc.", "U.S.C.", "e.g.", "A.", "the", "1.", "(2)", "Page 3 of 9", ".", ";",
          "?", " ", "  ", "\n", "\n\n", "\t", "“Quote”", "9", "x" * 70]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PROSE), max_size=120).map("".join), st.data())
def test_a_sentence_read_back_a_little_at_a_time_is_the_whole_window_sentence(text, data):
    from extractors.fields.common import sentence_span

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 30)))
    limit = data.draw(st.sampled_from([200, 400, 600]))
    assert sentence_span(text, start, end, limit) == _sentence_span_by_whole_windows(
        text, start, end, limit)


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from("_.-/()“”é\u00a0\u2028\x1c\ud800"))))
def test_the_words_of_a_text_are_re_words(text):
    import re

    from extractors.fields.agency import words_of

    assert words_of(text) == set(re.findall(r"\w+", text))


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(" \t\n([\"'“‘.\u00a0\u2028x"))),
       st.data())
def test_the_word_before_a_mark_is_what_a_regex_reads(text, data):
    import re

    from extractors.nlp import _word_before

    at = data.draw(st.integers(0, len(text)))
    word = re.compile(r"[^\s(\[\"'“‘]*$").search(text, max(0, at - 40), at)
    assert _word_before(text, at) == (word.group() if word else "")


def test_amounts_written_every_way_agencies_write_them():
    from extractors.fields.amount import extract_amounts
    cases = {"The total estimated value of this procurement is $1,250,000.": 1_250_000,
             "The estimated value is 60,000 USD.": 60_000,
             "The estimated value of the action is $<70,000>.": 70_000,  # OCR of a boxed value
             "The total estimated value of the proposed action is USD 3,400,000.": 3_400_000,
             "Estimated Dollar Value: $2.5 million": 2_500_000}
    for text, value in cases.items():
        assert extract_amounts(doc(text))["amount"]["value_usd"] == value, text


def test_notice_shapes_reviewers_found_misread():
    from extractors.fields.kind import notice_class
    fields = {"title": "Repair of boilers", "ja_statutory_authority": "FAR 6.302-2",
              "award_number": "75H70626P00001", "award_date": "2026-03-02"}
    intent = "The Area Office intends to award a sole-source order to Zeta Boilers, Inc."
    # posted after the award with the J&A's fields: a justification, whatever it "intends"
    assert notice_class(intent, fields)[0] == "justification"
    # the same record inviting capability statements by a date is an intent notice
    assert notice_class(intent + " Capability statements are due by March 20, 2026.",
                        fields)[0] == "intent_to_sole_source"
    # SAM.gov's nested award.justificationAuthority counts the same
    nested = {"title": "x", "award": {"number": "N0001926C0001",
                                      "justificationAuthority": {"authority": "far1"}}}
    assert notice_class(intent, nested)[0] == "justification"
    # a one-line summary with the J&A attached
    assert notice_class("Sole source for boiler parts; the J&A is attached.",
                        {"title": "Boiler parts"})[0] == "justification"
    # a cancelled notice of intent is no intent
    for title, text in (("Moving services", "Cancel notice of intent to procure moving "
                         "services on a sole source basis."),
                        ("CANCELLED - Notice of Intent to Sole Source", intent)):
        assert notice_class(text, {"title": title})[0] == "neither", title


def test_an_embassy_buys_but_embassy_suites_may_sell():
    from extractors.fields.vendor import clean_name
    assert clean_name("American Embassy") is None
    assert clean_name("Embassy of the United States") is None
    assert clean_name("Embassy Suites Hotel") == "Embassy Suites Hotel"
