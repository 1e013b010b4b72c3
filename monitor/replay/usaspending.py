"""api.usaspending.gov: the award search (``spending_by_award``) and award detail routes.

Served from ``Dataset.awards`` (award detail payloads, recorded or written for the demo) and
``Dataset.award_rows`` (recorded search rows). It validates like the real API does (see
``../shared/api/usaspending.md``): one award-type group per search (422 with the recorded
body), the sort key among the requested fields (400), ``limit`` at most 100 (422), exact
matches for quoted ``award_ids``, page numbers with ``hasNext``, and 404 for an unknown award.
An award whose ``_published`` date is after the replay's clock is not there yet (FPDS reaches
USAspending days to weeks late). Keys starting with ``_`` are the server's own.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from monitor.replay.wsgi import Replay, Request, Response

CONTRACTS = {"A": "BPA Call", "B": "Purchase Order", "C": "Delivery Order",
             "D": "Definitive Contract"}
IDVS = {"IDV_A": "GWAC Government Wide Acquisition Contract",
        "IDV_B": "IDC Multi-Agency Contract, Other Indefinite Delivery Contract",
        "IDV_B_A": "IDC Indefinite Delivery Contract / Requirements",
        "IDV_B_B": "IDC Indefinite Delivery Contract / Indefinite Quantity",
        "IDV_B_C": "IDC Indefinite Delivery Contract / Definite Quantity",
        "IDV_C": "FSS Federal Supply Schedule", "IDV_D": "BOA Basic Ordering Agreement",
        "IDV_E": "BPA Blanket Purchase Agreement"}
GRANTS = {"02": "Block Grant", "03": "Formula Grant", "04": "Project Grant",
          "05": "Cooperative Agreement"}
LOANS = {"07": "Direct Loan", "08": "Guaranteed/Insured Loan"}
DIRECT = {"06": "Direct Payment for Specified Use", "10": "Direct Payment with Unrestricted Use"}
OTHER = {"09": "Insurance", "11": "Other Financial Assistance", "-1": "Not Specified"}
# As the source renders them (other_financial_assistance and direct_payments swapped).
GROUPS = {"contracts": CONTRACTS, "loans": LOANS, "idvs": IDVS, "grants": GRANTS,
          "other_financial_assistance": DIRECT, "direct_payments": OTHER}
TIME_MESSAGE = ("For searches, time period start and end dates are currently limited to an "
                "earliest date of 2007-10-01.  For data going back to 2000-10-01, use either "
                "the Custom Award Download feature on the website or one of our download or "
                "bulk_download API endpoints as listed on https://api.usaspending.gov/docs/"
                "endpoints.")
ALWAYS = ("internal_id", "generated_internal_id", "awarding_agency_id", "agency_slug")


def _get(record: dict[str, Any], *path: str) -> Any:
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _code(record: dict[str, Any], key: str) -> dict[str, Any] | None:
    base = _get(record, f"{key}_hierarchy", "base_code")
    return {"code": base.get("code"), "description": base.get("description")} \
        if isinstance(base, dict) and base else None


FIELDS: dict[str, Any] = {
    "Award ID": lambda a: a.get("piid"),
    "Recipient Name": lambda a: _get(a, "recipient", "recipient_name"),
    "Recipient UEI": lambda a: _get(a, "recipient", "recipient_uei"),
    "Award Amount": lambda a: a.get("total_obligation"),
    "Total Outlays": lambda a: a.get("total_outlay"),
    "Start Date": lambda a: _get(a, "period_of_performance", "start_date"),
    "End Date": lambda a: _get(a, "period_of_performance", "end_date"),
    "Awarding Agency": lambda a: _get(a, "awarding_agency", "toptier_agency", "name"),
    "Awarding Sub Agency": lambda a: _get(a, "awarding_agency", "subtier_agency", "name"),
    "Funding Agency": lambda a: _get(a, "funding_agency", "toptier_agency", "name"),
    "Funding Sub Agency": lambda a: _get(a, "funding_agency", "subtier_agency", "name"),
    "Contract Award Type": lambda a: a.get("type_description"),
    "Description": lambda a: a.get("description"),
    "Last Modified Date": lambda a: _get(a, "period_of_performance", "last_modified_date"),
    "Base Obligation Date": lambda a: a.get("date_signed"),
    "NAICS": lambda a: _code(a, "naics"),
    "PSC": lambda a: _code(a, "psc"),
}


def _error(status: int, detail: Any) -> Response:
    return Response.json(status, {"detail": detail})


def _published(app: Replay, award: dict[str, Any]) -> bool:
    """An award is in USAspending once its ``_published`` date has come (default: always)."""
    when = award.get("_published")
    return not when or str(when) <= app.clock().date().isoformat()


def _public(award: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in award.items() if not k.startswith("_")}


def _validate(body: Any) -> tuple[dict[str, Any], Response | None]:
    """The search request's parts, or the error the real API answers with."""
    if not isinstance(body, dict):
        return {}, _error(400, "JSON parse error - Expecting value: line 1 column 1 (char 0)")
    filters = body.get("filters")
    fields = body.get("fields")
    if not isinstance(filters, dict) or not filters.get("award_type_codes"):
        return {}, _error(422, "Missing value: 'filters|award_type_codes' is a required field")
    if not isinstance(fields, list) or not fields:
        return {}, _error(422, "Missing value: 'fields' is a required field")
    codes = filters["award_type_codes"]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        return {}, _error(422, "Invalid value in 'filters|award_type_codes'")
    groups = {name for name, members in GROUPS.items() for c in codes if c in members}
    if len(groups) != 1 or any(not any(c in m for m in GROUPS.values()) for c in codes):
        return {}, _error(422, {
            "message": "'award_type_codes' must only contain types from one group.",
            "award_type_groups": GROUPS})
    limit, page = body.get("limit", 10), body.get("page", 1)
    for name, value, low, high in (("limit", limit, 1, 100), ("page", page, 1, None)):
        if isinstance(value, bool) or not isinstance(value, int):
            return {}, _error(422, f"Invalid value in '{name}'. '{value}' is not a valid type "
                                   "(integer)")
        if value < low:
            return {}, _error(422, f"Field '{name}' value '{value}' is below min '{low}'")
        if high is not None and value > high:
            return {}, _error(422, f"Field '{name}' value '{value}' is above max '{high}'")
    sort = body.get("sort", fields[0])
    if sort not in fields:
        return {}, _error(400, f"Sort value '{sort}' not found in requested fields: {fields}")
    order = body.get("order", "desc")
    if order not in ("asc", "desc"):
        return {}, _error(422, "Field 'order' is outside valid values ['asc', 'desc']")
    return {"filters": filters, "fields": fields, "codes": set(codes), "limit": limit,
            "page": page, "sort": sort, "order": order}, None


def _matches_id(piid: str | None, wanted: list[str]) -> bool:
    """``award_ids``: a quoted id matches exactly; an unquoted one matches anywhere."""
    if not wanted:
        return True
    piid = (piid or "").upper()
    for raw in wanted:
        text = str(raw).strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            if piid == text[1:-1].upper():
                return True
        elif text and text.upper() in piid:
            return True
    return False


def _in_period(dates: list[str | None], periods: Any) -> bool:
    if not isinstance(periods, list) or not periods:
        return True
    known = [d[:10] for d in dates if d]
    for p in periods:
        if not isinstance(p, dict):
            continue
        start, end = str(p.get("start_date") or ""), str(p.get("end_date") or "9999")
        if not known or any(start <= d <= end for d in known) or (
                min(known) <= end and max(known) >= start):
            return True
    return False


def _rows(app: Replay, query: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = query["filters"].get("award_ids") or []
    periods = query["filters"].get("time_period")
    rows: dict[str, dict[str, Any]] = {}
    for award in app.data.awards:
        if (award.get("type") not in query["codes"] or not _published(app, award)
                or not _matches_id(award.get("piid"), wanted)):
            continue
        if not _in_period([award.get("date_signed"),
                           _get(award, "period_of_performance", "end_date")], periods):
            continue
        agency = award.get("awarding_agency") or {}
        row = {name: FIELDS[name](award) if name in FIELDS else None
               for name in query["fields"]}
        row |= {"internal_id": award.get("id"),
                "generated_internal_id": award.get("generated_unique_award_id"),
                "awarding_agency_id": agency.get("id"),
                "agency_slug": _get(agency, "toptier_agency", "slug")}
        rows[str(row["generated_internal_id"])] = row
    contract_group = query["codes"] <= set(CONTRACTS)
    for recorded in app.data.award_rows:  # recorded search rows: contracts only
        gid = str(recorded.get("generated_internal_id"))
        if contract_group and gid not in rows and _matches_id(recorded.get("Award ID"), wanted):
            rows[gid] = {k: recorded.get(k) for k in (*query["fields"], *ALWAYS)}
    return list(rows.values())


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value))


def search(app: Replay, req: Request, _: dict[str, str]) -> Response:
    """POST /api/v2/search/spending_by_award/"""
    try:
        body = json.loads(req.body or b"null")
    except ValueError:
        body = None
    query, error = _validate(body)
    if error is not None:
        return error
    rows = _rows(app, query)
    rows.sort(key=lambda r: (_sort_key(r.get(query["sort"])), str(r["generated_internal_id"])),
              reverse=query["order"] == "desc")
    start = (query["page"] - 1) * query["limit"]
    page = rows[start:start + query["limit"]]
    last = page[-1] if page else None
    return Response.json(200, {
        "spending_level": "awards", "limit": query["limit"], "results": page,
        "page_metadata": {
            "page": query["page"], "hasNext": start + query["limit"] < len(rows),
            "last_record_unique_id": last["internal_id"] if last else None,
            "last_record_sort_value": str(last.get(query["sort"])) if last else "None"},
        "messages": [TIME_MESSAGE]})


def _find(app: Replay, award_id: str) -> dict[str, Any] | None:
    for award in app.data.awards:
        if award_id in (award.get("generated_unique_award_id"), str(award.get("id"))):
            return award if _published(app, award) else None
    return None


def award(app: Replay, req: Request, m: dict[str, str]) -> Response:
    """GET /api/v2/awards/{generated_unique_award_id or internal id}/"""
    found = _find(app, m["id"])
    if found is None:
        return _error(404, "No Award found with: {'generated_unique_award_id_legacy': "
                           f"'{m['id']}'}}")
    return Response.json(200, _public(found))


def page(app: Replay, req: Request, m: dict[str, str]) -> Response:
    """www.usaspending.gov/award/{id}/: a plain page, so the demo's source links open."""
    found = _find(app, m["id"])
    if found is None:
        return Response.text(404, "award not found", "text/html; charset=utf-8")
    lines = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
                    for k, v in _public(found).items() if not isinstance(v, dict | list))
    return Response.text(200, f"<!DOCTYPE html><title>{escape(m['id'])}</title>"
                              f"<h1>Award {escape(str(found.get('piid')))}</h1>"
                              f"<table>{lines}</table>", "text/html; charset=utf-8")


ROUTES = [
    ("usaspending_search", "POST", re.compile(r"/api/v2/search/spending_by_award/"), search),
    ("usaspending_award", "GET", re.compile(r"/api/v2/awards/(?P<id>[^/]+)/"), award),
    ("usaspending_page", "GET", re.compile(r"/award/(?P<id>[^/]+)/?"), page),
]
