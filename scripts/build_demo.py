"""Regenerate the demo dataset in monitor/demo_data/ (records + PDF/DOCX attachments).

The notices are modelled on real public facts but worded by this project. Run with the dev
extra installed:  .venv/bin/python scripts/build_demo.py
"""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
from datetime import datetime
from pathlib import Path

from docx import Document
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent.parent / "monitor" / "demo_data"
FILES = OUT / "files"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def nid(seed: str) -> str:
    return hashlib.md5(seed.encode()).hexdigest()


def pdf(name: str, pages: list[str], redact_boxes: bool = False) -> str:
    doc = FPDF(format="Letter")
    doc.set_auto_page_break(True, margin=20)
    if DEJAVU.exists():
        doc.add_font("dejavu", "", str(DEJAVU))
        doc.set_font("dejavu", size=10.5)
    else:
        doc.set_font("helvetica", size=10.5)
    for text in pages:
        doc.add_page()
        for para in text.strip().split("\n\n"):
            if "{BOX}" in para and redact_boxes:
                before, after = para.split("{BOX}", 1)
                doc.multi_cell(0, 5.5, before.rstrip(), new_x="LMARGIN", new_y="NEXT")
                y = doc.get_y()
                doc.set_fill_color(0, 0, 0)
                doc.rect(doc.l_margin, y, 40, 5.5, style="F")
                doc.set_y(y + 6.5)
                doc.multi_cell(0, 5.5, after.strip(), new_x="LMARGIN", new_y="NEXT")
            else:
                doc.multi_cell(0, 5.5, para.strip(), new_x="LMARGIN", new_y="NEXT")
            doc.ln(2.5)
    (FILES / name).write_bytes(bytes(doc.output()))
    return f"files/{name}"


def scanned_pdf(name: str, text: str) -> str:
    """An image-only PDF (no text layer), slightly rotated and blurred like a real scan."""
    width, height = 1700, 2200  # 200 dpi letter
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=30)
    y = 150
    for para in text.strip().split("\n\n"):
        for line in textwrap.wrap(" ".join(para.split()), 88):
            draw.text((140, y), line, fill=20, font=font)
            y += 42
        y += 24
    img = img.rotate(0.6, fillcolor=255).filter(ImageFilter.GaussianBlur(0.7))
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=200)
    (FILES / name).write_bytes(buf.getvalue())
    return f"files/{name}"


def docx(name: str, heading: str, paragraphs: list[str], table: list[list[str]] | None = None,
         after_table: list[str] | None = None) -> str:
    doc = Document()
    doc.add_heading(heading, level=1)
    for p in paragraphs:
        doc.add_paragraph(p)
    if table:
        t = doc.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
    for p in after_table or []:
        doc.add_paragraph(p)
    doc.core_properties.created = datetime(2025, 4, 1)
    buf = io.BytesIO()
    doc.save(buf)
    (FILES / name).write_bytes(buf.getvalue())
    return f"files/{name}"


DHS_ICE = "HOMELAND SECURITY, DEPARTMENT OF.US IMMIGRATION AND CUSTOMS ENFORCEMENT.IMMIGRATION AND CUSTOMS ENFORCEMENT"
ICE_CODE = "070.7012.70CMSD"


def record(seed: str, *, title: str, sol: str | None, path: str, code: str, posted: str,
           kind: str = "Justification", award: dict | None = None, deadline: str | None = None,
           description: str, attachments: list[dict] | None = None, authority: str | None = None,
           naics: str = "541511", psc: str = "DA01", parent: str | None = None) -> dict:
    notice_id = nid(seed)
    rec = {
        "noticeId": notice_id, "title": title, "solicitationNumber": sol,
        "fullParentPathName": path, "fullParentPathCode": code, "postedDate": posted,
        "type": kind, "baseType": kind, "archiveType": "autocustom",
        "archiveDate": None, "typeOfSetAside": None, "typeOfSetAsideDescription": None,
        "responseDeadLine": deadline, "naicsCode": naics, "naicsCodes": [naics],
        "classificationCode": psc, "active": "Yes", "award": award, "pointOfContact": None,
        "organizationType": "OFFICE", "officeAddress": None, "placeOfPerformance": None,
        "additionalInfoLink": None, "_description": description,
    }
    if attachments:
        rec["_attachments"] = attachments
    if authority:
        rec["_authority"] = authority
    if parent:
        rec["_parent"] = parent
    return rec


def att(seed: str, name: str, path: str, **extra: str) -> dict:
    return {"resourceId": nid("res-" + seed), "name": name, "path": path, **extra}


ICE_JA = """U.S. Immigration and Customs Enforcement
Office of Acquisition Management

JUSTIFICATION AND APPROVAL FOR OTHER THAN FULL AND OPEN COMPETITION

1. Contracting Activity. Department of Homeland Security (DHS), U.S. Immigration and Customs Enforcement (ICE), Office of Acquisition Management, Mission Support Dallas. Contract 70CMSD22FR0000081.

2. Nature and Description of the Action. ICE proposes to modify the existing contract with Palantir Technologies Inc. to add the development of an immigration lifecycle operating system prototype, referred to as ImmigrationOS, through a sole-source modification.

3. Description of Supplies or Services. The modification adds configuration, data integration and prototype delivery of ImmigrationOS to the existing Investigative Case Management support. The estimated value of this modification is $29,800,000, bringing the total estimated value of the contract to $95,900,000. A working prototype is due September 25, 2025, and the period of performance for the added work runs through September 24, 2027.

4. Statutory Authority. This action is justified under 41 U.S.C. 3304(a)(2), as implemented by FAR 6.302-2, Unusual and compelling urgency.

5. Rationale Justifying Use of the Cited Authority. ICE must stand up near real-time visibility into self-deportations and prioritized enforcement by the prototype date. Palantir Technologies Inc. already operates the case management platform on which the new capability depends, and any other source would need to rebuild that platform first, which would delay delivery by at least twelve months and cause the Government serious harm.

6. Efforts to Obtain Competition. No other source was solicited because of the urgency described above. This justification will be posted on SAM.gov within 14 days of award as required by FAR 6.305.

7. Determination of Fair and Reasonable Cost. The contracting officer will determine the price fair and reasonable through cost analysis and comparison with prior prices paid.

8. Actions to Remove Barriers to Future Competition. ICE will compete the follow-on requirement for the operating system once the prototype has been evaluated.

Approved: Head of the Contracting Activity, April 9, 2025.
"""

ICE_JA_AMENDED = ICE_JA.replace(
    "Approved: Head of the Contracting Activity, April 9, 2025.",
    "Amendment 1 (April 17, 2025): corrects the contract number in paragraph 1 and adds the "
    "approval date. No change to the estimated value.\n\nApproved: Head of the Contracting "
    "Activity, April 9, 2025.")

SCREWWORM = """U.S. Army Corps of Engineers, Fort Worth District

JUSTIFICATION FOR OTHER THAN FULL AND OPEN COMPETITION

1. Agency and Contracting Activity. Department of the Army, U.S. Army Corps of Engineers, Fort Worth District, on behalf of the U.S. Department of Agriculture.

2. Nature of the Action. The District intends to award a firm-fixed-price contract, W9126G25CA011, for phase one of a sterile fly dispersal facility to respond to the New World screwworm outbreak approaching the southern border.

3. Estimated Value. The estimated value of this procurement is {BOX} including all options.

4. Authority. FAR 6.302-2, Unusual and compelling urgency (10 U.S.C. 3204(a)(2)).

5. Rationale. Delay would expose the domestic cattle herd to infestation before the dispersal facility can operate. The selected contractor is mobilized within 100 miles of the site and can begin work within ten days of award.

6. Market Research. The District contacted four firms; only one could mobilize within the required time.

Delivery of the phase one facility is required by June 30, 2025.
"""

ARMY_DOCX = [
    "1. Contracting Activity: Department of the Army, Army Contracting Command - Redstone Arsenal.",
    "2. Description of Action: Award of a sole-source firm-fixed-price contract to AeroVironment, Inc. for Switchblade 600 loitering munition spare parts and depot repair.",
    "3. Authority: 10 U.S.C. 3204(a)(1), as implemented by FAR 6.302-1, Only one responsible source and no other supplies or services will satisfy agency requirements.",
    "4. Rationale: AeroVironment, Inc. is the original equipment manufacturer and holds the proprietary technical data needed to repair the guidance section. The Government does not own a technical data package sufficient for another source to perform the work.",
    "5. Estimated value: see table.",
]
ARMY_TABLE = [["CLIN", "Description", "Amount"],
              ["0001", "Spare parts, base year", "$8,400,000"],
              ["0002", "Depot repair, base year", "$3,950,000"],
              ["Total", "Base plus options", "$12,350,000"]]

CBP_LSJ = """U.S. Customs and Border Protection
Procurement Directorate

LIMITED SOURCES JUSTIFICATION
FAR 8.405-6

1. Agency. Department of Homeland Security, U.S. Customs and Border Protection (CBP).

2. Description. CBP requests authority to place an order under GSA Schedule with Deployed Resources, LLC for soft-sided holding facilities, including power, water and maintenance, for up to 180 days.

3. Authority. FAR 8.405-6(a)(1)(i)(A): an urgent and compelling need exists, and following the ordering procedures would result in unacceptable delays.

4. Estimated Value. The total estimated value of the order is $[REDACTED].

5. Rationale. Encounters at the Rio Grande Valley sector exceed permanent holding capacity. Deployed Resources, LLC has facilities staged in Texas and can complete installation within 14 days.

Period of performance: May 1, 2025 through October 27, 2025.
"""

STATE_SCAN = """DEPARTMENT OF STATE
Bureau of Diplomatic Security

JUSTIFICATION FOR OTHER THAN FULL AND OPEN COMPETITION

1. Action: Sole-source purchase of armored sport utility vehicles from Integrated Security Products Corp. for embassy motor pools.

2. Authority: FAR 6.302-1, only one responsible source.

3. Value: The estimated value is $4,750,000.

4. Rationale: Only this manufacturer holds a current ballistic certification for the required protection level at the required payload.

Delivery is required by August 15, 2025.
"""

GSA_FO = """General Services Administration
Federal Acquisition Service

EXCEPTION TO FAIR OPPORTUNITY
FAR 16.505(b)(2)(i)(C)

Order under BPA 47QTCA21A000R for Salesforce, Inc. subscriptions and support.

Authority: FAR 16.505(b)(2)(i)(C), the order must be issued on a sole-source basis in the interest of economy and efficiency as a logical follow-on to an order already issued under the contract.

Estimated value: $6,100,000 over a base year and two option years.

Rationale: Migrating the agency's case records to another platform would cost more than the subscription itself and interrupt service to the public.
"""

VA_BRAND = """Department of Veterans Affairs
Network Contracting Office 10

BRAND NAME JUSTIFICATION
FAR 6.302-1(c)

The VA Medical Center requires DaTscan (ioflupane I-123) radiopharmaceutical doses manufactured by GE HealthCare, distributed by Medi-Physics, Inc., for dopamine transporter imaging.

Authority: FAR 6.302-1(c), brand name description.

Estimated value: $612,000 for one base year.

Rationale: DaTscan is the only FDA-approved agent for this imaging indication; no equal product exists.
"""

USGS_SSJ = """U.S. Geological Survey
Office of Acquisition and Grants

SOLE SOURCE JUSTIFICATION (Simplified Acquisition)

Authority: FAR 13.106-1(b)(1), only one source reasonably available.

Vendor: Teledyne RD Instruments, Inc.

Description: Acoustic Doppler current profilers compatible with the existing streamgage network, estimated value $186,400.

Rationale: The Survey's processing software and field procedures are certified only for Teledyne RDI instruments; introducing another make would require recertifying 1,200 streamgages.
"""


def build() -> tuple[list[dict], list[dict]]:
    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    ice_pdf = pdf("ICE_ImmigrationOS_JA_Redacted.pdf", [ICE_JA])
    ice_pdf2 = pdf("ICE_ImmigrationOS_JA_Amendment1.pdf", [ICE_JA_AMENDED])
    usace = pdf("SWF_JA_Screwworm_Phase_One_Redacted.pdf", [SCREWWORM], redact_boxes=True)
    army = docx("JA_Switchblade_Spares.docx", "JUSTIFICATION AND APPROVAL", ARMY_DOCX, ARMY_TABLE,
                ["6. The contracting officer certifies that this justification is accurate and "
                 "complete. Signed March 28, 2025."])
    cbp = pdf("CBP_LSJ_Soft_Sided_Facilities.pdf", [CBP_LSJ])
    state = scanned_pdf("DS_JOFOC_Armored_Vehicles_scan.pdf", STATE_SCAN)
    gsa = pdf("GSA_Fair_Opportunity_Exception_Salesforce.pdf", [GSA_FO])
    va = pdf("VA_Brand_Name_DaTscan.pdf", [VA_BRAND])
    usgs = pdf("USGS_SSJ_ADCP.pdf", [USGS_SSJ])
    cellebrite = docx("ICE_LSJ_Cellebrite.docx", "LIMITED SOURCES JUSTIFICATION", [
        "Agency: U.S. Immigration and Customs Enforcement, Homeland Security Investigations.",
        "Description: Brand-name Cellebrite Premium licenses and UFED hardware from Cellebrite "
        "Inc. through a GSA Schedule order.",
        "Authority: FAR 8.405-6(b), items peculiar to one manufacturer.",
        "Estimated value: $█████████.",
        "Rationale: Forensic examiners are trained and certified on Cellebrite tools, and "
        "evidence extracted with them has been accepted in federal court.",
    ])

    ice_original = nid("ice-palantir-ja")
    notices = [
        record("ice-palantir-ja", title="Justification and Approval - ImmigrationOS modification",
               sol="70CMSD22FR0000081", path=DHS_ICE, code=ICE_CODE, posted="2025-04-11",
               award={"number": "70CMSD22FR0000081"}, authority="far2",
               description="<p>ICE posts this J&amp;A for a sole-source modification to "
               "Palantir Technologies Inc. See the attached document.</p>",
               attachments=[att("ice1", "ICE_ImmigrationOS_JA_Redacted.pdf", ice_pdf)]),
        record("ice-palantir-ja-amendment-1",
               title="Justification and Approval - ImmigrationOS modification (Amendment 1)",
               sol="70CMSD22FR0000081", path=DHS_ICE, code=ICE_CODE, posted="2025-04-17",
               award={"number": "70CMSD-22-FR-0000081"}, authority="far2", parent=ice_original,
               description="<p>Amendment 1 corrects the contract number and adds the approval "
               "date.</p>",
               attachments=[att("ice2", "ICE_ImmigrationOS_JA_Amendment1.pdf", ice_pdf2)]),
        record("usace-screwworm", title="J&A - Sterile Fly Dispersal Facility Phase One",
               sol="W9126G25CA011", path="DEPT OF DEFENSE.DEPT OF THE ARMY.USACE.SWD."
               "W076 ENDIST FT WORTH", code="021.2100.W9126G", posted="2025-04-22",
               award={"number": "W9126G-25-C-A011"}, authority="far2", naics="236220",
               psc="Y1JZ", description="<p>Redacted J&amp;A attached.</p>",
               attachments=[att("usace", "SWF JA Phase One Screwworm Redacted.pdf", usace),
                            att("usace-priv", "Attachment 2 Pricing (CUI).pdf", usace,
                                accessLevel="private")]),
        record("army-switchblade", title="Justification and Approval - Switchblade 600 spares "
               "and depot repair", sol="W31P4Q25C0042", path="DEPT OF DEFENSE.DEPT OF THE ARMY."
               "AMC.ACC.ACC-RSA", code="021.2100.W31P4Q", posted="2025-04-03",
               award={"number": "W31P4Q-25-C-0042"}, authority="far1", naics="336414",
               psc="1410", description="<p>J&amp;A for a sole-source award to AeroVironment, "
               "Inc.</p>",
               attachments=[att("army", "JA_Switchblade_Spares.docx", army),
                            {"resourceId": nid("res-army-link"), "name": "FPDS record",
                             "type": "link", "content": ""}]),
        record("cbp-soft-sided", title="Limited Sources Justification - Soft-Sided Facilities "
               "RGV", sol="70B04C25F00000123", path="HOMELAND SECURITY, DEPARTMENT OF.U.S. "
               "CUSTOMS AND BORDER PROTECTION.OFFICE OF PROCUREMENT", code="070.7014.70B04C",
               posted="2025-04-25", award={"number": "70B04C25F00000123"}, naics="236220",
               psc="Z1AZ", description="<p>FAR 8.405-6 limited sources justification.</p>",
               attachments=[att("cbp", "CBP_LSJ_Soft_Sided_Facilities.pdf", cbp)]),
        record("state-armored", title="JOFOC - Armored Vehicles for Embassy Motor Pools",
               sol="19AQMM25C0077", path="STATE, DEPARTMENT OF.STATE, DEPARTMENT OF.ACQUISITIONS"
               " - AQM MOMENTUM", code="019.1900.19AQMM", posted="2025-04-14",
               award={"number": "19AQMM25C0077"}, authority="far1", naics="336111", psc="2310",
               description="<p>Scanned justification attached.</p>",
               attachments=[att("state", "DS_JOFOC_Armored_Vehicles_scan.pdf", state)]),
        record("gsa-salesforce", title="Fair Opportunity Exception - Salesforce subscriptions",
               sol="47QTCA21A000R", path="GENERAL SERVICES ADMINISTRATION.FEDERAL ACQUISITION "
               "SERVICE.GSA/FAS ITC", code="047.4732.47QTCA", posted="2025-04-08",
               award={"number": "47QTCA21A000R-0007"}, naics="513210", psc="DA10",
               description="<p>Exception to fair opportunity under FAR 16.505(b)(2).</p>",
               attachments=[att("gsa", "GSA_Fair_Opportunity_Exception_Salesforce.pdf", gsa)]),
        record("va-datscan", title="Brand Name Justification - DaTscan", sol="36C77025Q0219",
               path="VETERANS AFFAIRS, DEPARTMENT OF.VETERANS AFFAIRS, DEPARTMENT OF.NETWORK "
               "CONTRACT OFFICE 10", code="036.3600.36C250", posted="2025-04-16",
               award={"number": "36C77025P0219"}, authority="brand", naics="325412",
               psc="6505", description="<p>Brand name justification.</p>",
               attachments=[att("va", "VA_Brand_Name_DaTscan.pdf", va)]),
        record("usgs-adcp", title="Sole Source Justification - Acoustic Doppler Current "
               "Profilers", sol="140G0225Q0031", path="INTERIOR, DEPARTMENT OF THE.GEOLOGICAL "
               "SURVEY.OFFICE OF ACQUISITION AND GRANTS", code="014.1434.140G02",
               posted="2025-04-23", award={"number": "140G0225P0031"}, naics="334519",
               psc="6675", description="<p>Simplified acquisition sole source "
               "justification.</p>",
               attachments=[att("usgs", "USGS_SSJ_ADCP.pdf", usgs)]),
        record("ice-cellebrite", title="LSJ - Cellebrite Premium licenses", sol="70CMSD25F"
               "00000212", path=DHS_ICE, code=ICE_CODE, posted="2025-04-28",
               award={"number": "70CMSD25F00000212"}, naics="511210", psc="7A21",
               description="<p>Limited sources justification, brand name.</p>",
               attachments=[att("cellebrite", "ICE_LSJ_Cellebrite.docx", cellebrite)]),
        record("nih-jax-intent", title="Notice of Intent to Sole Source - Humanized Mice",
               sol="75N95025Q00188", path="HEALTH AND HUMAN SERVICES, DEPARTMENT OF.NATIONAL "
               "INSTITUTES OF HEALTH.NIDA", code="075.7529.75N950", posted="2025-04-24",
               kind="Special Notice", deadline="2025-05-09T12:00:00-04:00", naics="541380",
               psc="AN11", description="<p>The National Institute on Drug Abuse intends to "
               "negotiate on a sole source basis with The Jackson Laboratory for humanized "
               "NSG mice. This notice of intent is not a request for competitive proposals. "
               "Capability statements received by May 9, 2025, 12:00 PM ET will be "
               "considered.</p>"),
        record("nasa-firefly-intent", title="Intent to Award Sole Source - Lunar payload "
               "delivery study", sol="80KSC025R0007", path="NATIONAL AERONAUTICS AND SPACE "
               "ADMINISTRATION.NASA.KENNEDY SPACE CENTER", code="080.8000.80KSC0",
               posted="2025-04-29", kind="Presolicitation",
               deadline="2025-05-14T16:00:00-04:00", naics="336414", psc="AR12",
               description="<p>NASA KSC intends to award a sole source contract to Firefly "
               "Aerospace Inc. under the authority of FAR 6.302-1. Interested firms may submit "
               "capability statements by May 14, 2025.</p>"),
        record("navsea-neutral", title="MIL-PRF-24282A, Light, Signal, Multipurpose, Kit",
               sol="N0002425SN-20", path="DEPT OF DEFENSE.DEPT OF THE NAVY.NAVSEA.NAVSEA HQ",
               code="017.1700.NAVSEA.NAVSEA HQ", posted="2025-04-21", kind="Special Notice",
               deadline="2025-05-21T16:00:00-04:00", naics="335139", psc="5850",
               description="<p>Industry day announcement for a competitive procurement. A "
               "single source of truth for specifications is posted.</p>"),
    ]
    fr = [
        {"document_number": "2025-06911", "type": "Notice", "publication_date": "2025-04-22",
         "title": "Notice of Award of a Single Source Cooperative Agreement To Fund the "
                  "Association of Public Health Laboratories",
         "abstract": "The Centers for Disease Control and Prevention (CDC) announces the award "
                     "of approximately $2,000,000, for Year 1 funding to the Association of "
                     "Public Health Laboratories (APHL) under a single source cooperative "
                     "agreement.",
         "agencies": [{"raw_name": "DEPARTMENT OF HEALTH AND HUMAN SERVICES",
                       "name": "Health and Human Services Department", "id": 221,
                       "slug": "health-and-human-services-department"},
                      {"raw_name": "Centers for Disease Control and Prevention",
                       "name": "Centers for Disease Control and Prevention", "id": 44,
                       "slug": "centers-for-disease-control-and-prevention"}],
         "html_url": "https://www.federalregister.gov/documents/2025/04/22/2025-06911/notice-of-"
                     "award-of-a-single-source-cooperative-agreement",
         "comments_close_on": None, "action": "Notice.",
         "_text": "AGENCY: Centers for Disease Control and Prevention (CDC), Department of "
                  "Health and Human Services (HHS).\nACTION: Notice.\nSUMMARY: The Centers for "
                  "Disease Control and Prevention (CDC) announces the award of approximately "
                  "$2,000,000, for Year 1 funding to the Association of Public Health "
                  "Laboratories (APHL). The award will strengthen laboratory capacity for "
                  "outbreak response.\nDATES: The period for this award will be July 1, 2025 "
                  "through June 30, 2026.\nSUPPLEMENTARY INFORMATION: Justification for the "
                  "Exception to Competition: APHL is the only organization that represents "
                  "every state and local public health laboratory and already operates the "
                  "laboratory information exchange on which this work depends.\nAmount of "
                  "Award: $2,000,000 in Federal Fiscal Year 2025 funds."},
        {"document_number": "2025-07102", "type": "Notice", "publication_date": "2025-04-24",
         "title": "Office of Family Assistance; Single-Source Program Expansion Supplement",
         "abstract": "The Administration for Children and Families announces a single-source "
                     "program expansion supplement of $450,000 to the National Domestic "
                     "Violence Hotline.",
         "agencies": [{"raw_name": "Children and Families Administration",
                       "name": "Children and Families Administration", "id": 70,
                       "slug": "children-and-families-administration"}],
         "html_url": "https://www.federalregister.gov/documents/2025/04/24/2025-07102/office-"
                     "of-family-assistance-single-source-program-expansion-supplement",
         "comments_close_on": None, "action": "Notice.",
         "_text": "ACTION: Notice of a single-source program expansion supplement.\nAmount of "
                  "Award: $450,000.\nProject Period: 5/1/2025 to 9/30/2025.\nJustification for "
                  "the Exception to Competition: The grantee is the only national hotline "
                  "with the existing infrastructure to absorb the increase in calls."},
        {"document_number": "2025-07350", "type": "Notice", "publication_date": "2025-04-28",
         "title": "Agency Information Collection Activities; Proposed Collection",
         "abstract": "A routine information collection notice that does not involve an award.",
         "agencies": [{"raw_name": "Census Bureau", "name": "Census Bureau", "id": 42,
                       "slug": "census-bureau"}],
         "html_url": "https://www.federalregister.gov/documents/2025/04/28/2025-07350/agency-"
                     "information-collection-activities",
         "comments_close_on": "2025-06-27", "action": "Notice.",
         "_text": "A routine information collection notice."},
    ]
    return notices, fr


if __name__ == "__main__":
    notices, fr = build()
    (OUT / "samgov.json").write_text(json.dumps(notices, indent=1) + "\n", encoding="utf-8")
    (OUT / "fedreg.json").write_text(json.dumps(fr, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(notices)} SAM.gov notices, {len(fr)} FR documents, "
          f"{len(list(FILES.iterdir()))} files to {OUT}")
