"""USAspending awards for the demo justifications, written straight into ``awards`` and
``award_links`` (the shape monitor/schema.py's m005_awards fixes; the values are modelled on
../shared/api/samples/usaspending_award_detail_contract_DOC_EXAMPLE.json), so the facts and
the agency and vendor pages can be tested without the USAspending source.

- ImmigrationOS (ICE, Palantir): an order under a vehicle; obligated $41.2M against the
  $29.8M justified; URG agrees with FAR 6.302-2; performance runs past one year; a later
  ICE award to the same recipient by the same office.
- Cellebrite (ICE): signed 49 days before its limited-sources justification was posted.
- Switchblade (Army, AeroVironment): the record says URG, the document FAR 6.302-1.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

PALANTIR = "samgov:05ec0b2b3c01b516ab5d9034ba58faf4"
PALANTIR_ORIGINAL = "samgov:6184b9b69c9d82a48bcd3c01095e4e53"
CELLEBRITE = "samgov:a37576126a7f0aae5c1d451c4206710d"
SWITCHBLADE = "samgov:4a35bc0de889190347df61a21e1cb3b5"
FETCHED = "2025-05-01T06:00:00+00:00"

VEHICLE = "CONT_IDV_47QTCA18D003G_4732"
IMMIGRATION_OS = "CONT_AWD_70CMSD22FR0000081_7012_47QTCA18D003G_4732"
LATER_PALANTIR = "CONT_AWD_70CMSD25C00000099_7012_-NONE-_-NONE-"
CELLEBRITE_ORDER = "CONT_AWD_70CMSD25F00000212_7012_47QTCA19D00AB_4732"
SWITCHBLADE_AWARD = "CONT_AWD_W31P4Q25C0042_9700_-NONE-_-NONE-"


def award(id: str, piid: str, **values: Any) -> dict[str, Any]:
    """An ``awards`` row with the sample's defaults and the given values."""
    row: dict[str, Any] = {
        "id": id, "piid": piid, "category": "contract", "type": "C",
        "type_description": "DELIVERY ORDER", "recipient_name": None, "recipient_uei": None,
        "parent_recipient_name": None, "parent_recipient_uei": None,
        "total_obligation": None, "base_exercised_options": None,
        "base_and_all_options": None, "date_signed": None, "pop_start": None,
        "pop_end": None, "pop_potential_end": None,
        "last_modified_date": "2025-04-30 20:06:44", "extent_competed": "C",
        "extent_competed_description": "NOT COMPETED", "other_than_full_and_open": None,
        "other_than_full_and_open_description": None, "fair_opportunity_limited": None,
        "fair_opportunity_limited_description": None, "number_of_offers_received": "1",
        "solicitation_identifier": None, "parent_award_id": None, "parent_piid": None,
        "awarding_agency": "Department of Homeland Security",
        "awarding_sub_agency": "U.S. Immigration and Customs Enforcement",
        "awarding_office": "ICE MISSION SUPPORT DALLAS",
        "url": f"https://www.usaspending.gov/award/{id}",
        "api_url": f"https://api.usaspending.gov/api/v2/awards/{id}/",
        "version": 1, "sha256": "0" * 64, "first_seen_at": FETCHED, "fetched_at": FETCHED,
    }
    row.update(values)
    return row


AWARDS = [
    award(VEHICLE, "47QTCA18D003G", category="idv", type="IDV_B_A",
          type_description="IDC", recipient_name="PALANTIR USG INC",
          recipient_uei="N6KLLMQ7KUB5", parent_recipient_name="PALANTIR TECHNOLOGIES INC.",
          parent_recipient_uei="QBLKMXZ6LJL8", total_obligation=310_000_000.0,
          base_and_all_options=900_000_000.0, date_signed="2018-06-01",
          awarding_agency="General Services Administration",
          awarding_sub_agency="Federal Acquisition Service", awarding_office="GSA/FAS ITC"),
    award(IMMIGRATION_OS, "70CMSD22FR0000081", recipient_name="PALANTIR USG INC",
          recipient_uei="N6KLLMQ7KUB5", parent_recipient_name="PALANTIR TECHNOLOGIES INC.",
          parent_recipient_uei="QBLKMXZ6LJL8", total_obligation=41_200_000.0,
          base_exercised_options=41_200_000.0, base_and_all_options=45_000_000.0,
          date_signed="2022-09-26", pop_start="2022-09-27", pop_end="2025-09-26",
          pop_potential_end="2025-09-26 00:00:00", other_than_full_and_open="URG",
          other_than_full_and_open_description="URGENCY (FAR 6.302-2)",
          fair_opportunity_limited="URG", fair_opportunity_limited_description="URGENCY",
          parent_award_id=VEHICLE, parent_piid="47QTCA18D003G"),
    award(LATER_PALANTIR, "70CMSD25C00000099", type="D", type_description="DEFINITIVE "
          "CONTRACT", recipient_name="PALANTIR USG INC", recipient_uei="N6KLLMQ7KUB5",
          parent_recipient_name="PALANTIR TECHNOLOGIES INC.", parent_recipient_uei="QBLKMXZ6LJL8",
          total_obligation=5_000_000.0, base_and_all_options=12_000_000.0,
          date_signed="2025-06-02", pop_start="2025-06-02", pop_end="2026-06-01",
          other_than_full_and_open="ONE",
          other_than_full_and_open_description="ONLY ONE SOURCE - OTHER "),
    award(CELLEBRITE_ORDER, "70CMSD25F00000212", recipient_name="CELLEBRITE INC",
          recipient_uei="KX7PJLQH3NM1", total_obligation=1_150_000.0,
          base_and_all_options=1_150_000.0, date_signed="2025-03-10",
          pop_start="2025-03-10", pop_end="2026-03-09", other_than_full_and_open="BND",
          other_than_full_and_open_description="BRAND NAME DESCRIPTION",
          parent_award_id="CONT_IDV_47QTCA19D00AB_4732", parent_piid="47QTCA19D00AB"),
    award(SWITCHBLADE_AWARD, "W31P4Q25C0042", type="D", type_description="DEFINITIVE CONTRACT",
          recipient_name="AEROVIRONMENT, INC.", recipient_uei="FJ8NSQ6M8WL3",
          total_obligation=9_000_000.0, base_and_all_options=12_350_000.0,
          date_signed="2025-03-20", pop_start="2025-03-20", pop_end="2027-03-19",
          other_than_full_and_open="URG",
          other_than_full_and_open_description="URGENCY (FAR 6.302-2)",
          awarding_agency="Department of Defense", awarding_sub_agency="Department of the Army",
          awarding_office="W6QK ACC-RSA"),
]
LINKS = [
    (PALANTIR_ORIGINAL, IMMIGRATION_OS, "70CMSD22FR0000081", "award_number", "award"),
    (PALANTIR_ORIGINAL, VEHICLE, "47QTCA18D003G", "award_number", "parent"),
    (CELLEBRITE, CELLEBRITE_ORDER, "70CMSD25F00000212", "award_number", "award"),
    (SWITCHBLADE, SWITCHBLADE_AWARD, "W31P4Q25C0042", "award_number", "award"),
]


def add_awards(db: Database) -> None:
    """Write the tests' awards and their links (as the USAspending source would), in place of
    whatever the demo's own USAspending replay linked: the tests state exact figures."""
    for table in ("award_facts", "award_links", "award_versions", "awards"):
        db.execute(f"delete from {table}")
    for row in AWARDS:
        db["awards"].insert(row, replace=True)
    for notice_id, award_id, piid, matched_on, relation in LINKS:
        db["award_links"].insert({"notice_id": notice_id, "award_id": award_id, "piid": piid,
                                  "matched_on": matched_on, "relation": relation,
                                  "linked_at": FETCHED}, replace=True)
