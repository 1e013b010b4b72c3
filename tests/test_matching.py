"""Pure matching: filters, hierarchy, reasons, change notes."""

from __future__ import annotations

from notifications.matching import Filters, change_note, match, short, snapshot

ICE = {"notice_class": "justification", "doc_kind": "ja", "source": "samgov",
       "agency_hierarchy": "Department of Homeland Security > U.S. Immigration and Customs "
                           "Enforcement", "vendor": "Palantir Technologies Inc.",
       "amount_usd": 29_800_000.0, "authority_category": "urgency", "title": "ImmigrationOS",
       "naics": "541511", "psc": "DA01"}


def test_department_covers_its_children_and_says_so():
    assert match(Filters(agencies=("DHS",)), ICE) == "agency: DHS ⊃ U.S. Immigration and " \
                                                    "Customs Enforcement"
    assert match(Filters(agencies=("DHS/ICE",)), ICE) == "agency: DHS/ICE"
    assert match(Filters(agencies=("HHS",)), ICE) is None


def test_amounts_vendors_authorities_keywords():
    f = Filters(agencies=("ICE",), min_amount=1e6, vendors=("palantir",),
                authorities=("urgency",), keywords=("immigrationos",))
    reason = match(f, ICE)
    assert reason == ("agency: ICE; vendor: palantir; amount ≥ $1M; authority: urgency; "
                      "keyword: immigrationos")
    assert match(Filters(min_amount=5e7), ICE) is None
    assert match(Filters(min_amount=1e6), ICE | {"amount_usd": None}) is None  # unknown amount
    assert match(Filters(max_amount=1e6), ICE) is None


def test_only_sole_source_notices_unless_asked():
    assert match(Filters(), ICE | {"notice_class": "neither"}) is None
    assert match(Filters(kinds=("intent_to_sole_source",)), ICE) is None
    assert match(Filters(kinds=("ja",)), ICE) == "kind: ja"


def test_change_note_and_short_money():
    before = snapshot(ICE | {"amount_usd": 17e6})
    after = snapshot(ICE)
    assert change_note(before, after) == "amount $17M → $29.8M"
    assert short(1_500_000_000) == "$1.5B" and short(950) == "$950"


def test_filters_round_trip_and_reject_unknown_keys():
    f = Filters.from_dict({"agencies": ["DHS"], "min_amount": "1000000"})
    assert Filters.from_dict(__import__("json").loads(f.to_json())) == f
    try:
        Filters.from_dict({"agency": "DHS"})
    except ValueError as exc:
        assert "unknown filter" in str(exc)
    else:
        raise AssertionError("an unknown filter must be refused")
