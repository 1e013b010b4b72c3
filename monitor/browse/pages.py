"""Agency and vendor pages: the naming mess resolved, each page's justifications, awards,
totals and sourced facts, a searchable index of each, and an Atom feed of each page.

- ``/-/agencies?q=ice`` and ``/-/vendors?q=palantir``: the indexes, with a search box;
- ``/-/agency/<name>``: one agency (any spelling redirects to its normalized name) — the
  spellings it was filed under, its parent and sub-agencies, each justification under its
  office, totals justified and obligated, urgency share, late postings, top vendors;
- ``/-/vendor/<name>``: one vendor (a name, a UEI or its group) — names and UEIs seen, the
  parent on record, agencies, every justification and award, totals;
- ``.atom`` after either page: its justifications as a feed, flags in each entry.

Every query runs read-only on Datasette's connection (``execute_fn``); the functions that
build a page's context take a ``sqlite3.Connection`` and return plain dicts.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response

from extractors import agency_path_of as path_of
from extractors import agency_table as load_table
from extractors import name_key
from extractors import normalize_agency as normalize
from monitor.browse.feeds import feed_response
from monitor.browse.links import agency_path, vendor_path

DATABASE = "solesource"
SEGMENT = re.compile(r"(?<!\b[A-Z])\.(?! )")  # SAM.gov's dotted path, not the dots of "U.S."
UEI = re.compile(r"[A-Z0-9]{12}")
MAX_LISTED = 500
JUSTIFICATION_COLUMNS = ("j.notice_id, j.title, j.kind, j.posted_date, j.agency, j.department, "
                         "j.agency_path, j.vendor, j.vendor_group, j.vendor_uei, j.amount_usd, "
                         "j.redacted_amount, j.authority, j.authority_category, j.citations, "
                         "j.link, n.agency_path as filed_under, n.agency_code")


# --- shared --------------------------------------------------------------------------------------

def _rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def segments(filed_under: str | None) -> list[str]:
    """SAM.gov's ``DEPT.AGENCY.OFFICE`` path in its parts ("U.S." stays whole)."""
    return [s.strip() for s in SEGMENT.split(filed_under or "") if s.strip()]


@lru_cache(maxsize=4096)
def normalized(text: str) -> str | None:
    """The agency table's name for a spelling, or None."""
    found = normalize(text)
    return found["normalized"] if found else None


def office_of(row: dict[str, Any]) -> str:
    """The contracting office a justification was filed under: the last part of SAM.gov's
    path when it names one beyond the agency, with the office code."""
    parts = segments(row.get("filed_under"))
    code = (row.get("agency_code") or "").split(".")[-1] if row.get("agency_code") else ""
    if len(parts) >= 3:
        return f"{parts[-1]} ({code})" if code else parts[-1]
    return "office not named"


def linked_awards(conn: sqlite3.Connection, notice_ids: list[str]) -> list[dict[str, Any]]:
    """The awards (not parent vehicles) linked to these justifications or to any earlier
    notice of their amendment chains, each once, with ``shown`` = the justification."""
    if not notice_ids:
        return []
    return _rows(conn, """
        with recursive chain(shown, id) as (
          select value, value from json_each(:ids)
          union
          select chain.shown, n.previous_notice_id from chain join notices n on n.id = chain.id
          where n.previous_notice_id is not null)
        select min(chain.shown) as shown, a.* from chain
        join award_links l on l.notice_id = chain.id and coalesce(l.relation, '') != 'parent'
        join awards a on a.id = l.award_id
        group by a.id order by a.date_signed desc, a.id""", {"ids": _json(notice_ids)})


def facts_of(conn: sqlite3.Connection, notice_ids: list[str], flagged_only: bool = False
             ) -> list[dict[str, Any]]:
    """The stored facts of these justifications, flagged ones first, in tier order."""
    if not notice_ids:
        return []
    flag = " and flag is not null" if flagged_only else ""
    return _rows(conn, f"""
        select f.*, j.title from award_facts f join justifications j on j.notice_id = f.notice_id
        where f.notice_id in (select value from json_each(:ids)){flag}
        order by f.flag is null, case f.tier when 'primary' then 0 when 'secondary' then 1
                 else 2 end, f.notice_id, f.rowid""", {"ids": _json(notice_ids)})


def _json(values: list[str]) -> str:
    return json.dumps(values)


def totals(justifications: list[dict[str, Any]], awards: list[dict[str, Any]]
           ) -> dict[str, Any]:
    """Counts and sums a page shows: justified (stated amounts), obligated (awards, not
    vehicles: an IDV's obligations are its orders'), urgency share."""
    count = len(justifications)
    urgency = sum(j["authority_category"] == "urgency" for j in justifications)
    amounts = [j["amount_usd"] for j in justifications if j["amount_usd"] is not None]
    counted = [a for a in awards if a.get("category") != "idv"]  # a vehicle's obligations
    obligated = [a["total_obligation"] for a in counted  # are its orders'
                 if a.get("total_obligation") is not None]
    return {"justifications": count, "urgency": urgency,
            "urgency_share": round(100 * urgency / count) if count else 0,
            "justified": sum(amounts), "with_amount": len(amounts),
            "redacted": sum(bool(j["redacted_amount"]) for j in justifications),
            "obligated": sum(obligated), "awards": len(counted)}


# --- agencies ------------------------------------------------------------------------------------

def resolve_agency(conn: sqlite3.Connection, name: str) -> str | None:
    """The normalized name of the agency ``name`` spells (a name, an alias, an acronym, a
    SAM.gov path), or None when it is no agency solesource knows or has seen."""
    seen = {r[0] for r in conn.execute(
        "select agency from justifications where agency is not null union "
        "select department from justifications where department is not null")}
    if name in seen or name in load_table():
        return name
    found = normalized(name)
    if found:
        return found
    folded = {s.casefold(): s for s in seen}
    return folded.get(name.strip().casefold())


def agency_justifications(conn: sqlite3.Connection, name: str) -> list[dict[str, Any]]:
    """Every justification of the agency or of an agency under it, newest first."""
    return _rows(conn, f"""
        select {JUSTIFICATION_COLUMNS} from justifications j
        left join notices n on n.id = j.notice_id
        where j.agency = :name or j.department = :name
           or ' > ' || j.agency_path || ' > ' like '% > ' || :name || ' > %'
        order by j.posted_date desc, j.notice_id limit {MAX_LISTED}""", {"name": name})


def spellings(conn: sqlite3.Connection, name: str, rows: list[dict[str, Any]],
              awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every spelling of the agency seen in the data, with where: SAM.gov's paths, the
    documents (as written), USAspending's awarding agency names."""
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for part in segments(row.get("filed_under")):
            if normalized(part) == name:
                seen[part].add("SAM.gov agency path")
    ids = [r["notice_id"] for r in rows]
    for (written,) in conn.execute("""
            with recursive chain(id) as (
              select value from json_each(?)
              union select n.previous_notice_id from chain join notices n on n.id = chain.id
              where n.previous_notice_id is not null)
            select distinct json_extract(result, '$.agency.name') from extractions
            where notice_id in (select id from chain)
              and json_extract(result, '$.agency.normalized') = ?""", [_json(ids), name]):
        if written:
            seen[written].add("the document")
    for award in awards:
        for column in ("awarding_agency", "awarding_sub_agency"):
            if award.get(column) and normalized(award[column]) == name:
                seen[award[column]].add("USAspending")
    seen.setdefault(name, set()).add("solesource (normalized)")
    return [{"spelling": s, "where": sorted(w)} for s, w in sorted(
        seen.items(), key=lambda kv: (kv[0] != name, kv[0].casefold()))]


def hierarchy(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    """Parent chain and sub-agencies, from the agency table and from the data."""
    table = load_table()
    path = path_of(name, table) if name in table else []
    if not path:
        found = conn.execute("select agency_path from justifications where agency = ? and "
                             "agency_path is not null limit 1", [name]).fetchone()
        path = found[0].split(" > ") if found else [name]
    children = {a.name for a in table.values() if a.parent == name}
    children |= {r[0] for r in conn.execute(
        "select distinct agency from justifications where agency != :n and "
        "(department = :n or ' > ' || agency_path || ' > ' like '% > ' || :n || ' > %')",
        {"n": name}) if r[0]}
    counts = dict(conn.execute(
        "select agency, count(*) from justifications group by agency").fetchall())
    return {"path": path[:-1] if path and path[-1] == name else path,
            "children": [{"name": c, "justifications": counts.get(c, 0)}
                         for c in sorted(children, key=lambda c: (-counts.get(c, 0), c))]}


def agency_context(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    """Everything the agency page shows."""
    rows = agency_justifications(conn, name)
    ids = [r["notice_id"] for r in rows]
    awards = linked_awards(conn, ids)
    by_office: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        under = row["agency"] if row["agency"] and row["agency"] != name else None
        by_office[" > ".join(p for p in (under, office_of(row)) if p)].append(row)
    vendors = Counter()
    amounts: dict[str, float] = defaultdict(float)
    for row in rows:
        if row["vendor_group"]:
            vendors[row["vendor_group"]] += 1
            amounts[row["vendor_group"]] += row["amount_usd"] or 0
    top = [{"vendor": v, "justifications": c, "total_usd": amounts[v]}
           for v, c in sorted(vendors.items(), key=lambda kv: (-amounts[kv[0]], -kv[1], kv[0]))
           [:10]]
    flagged = facts_of(conn, ids, flagged_only=True)
    return {"name": name, "hierarchy": hierarchy(conn, name),
            "spellings": spellings(conn, name, rows, awards),
            "filed_under": sorted({r["filed_under"] for r in rows if r["filed_under"]}),
            "offices": sorted(by_office.items(), key=lambda kv: (-len(kv[1]), kv[0])),
            "totals": totals(rows, awards), "awards": awards, "top_vendors": top,
            "late": [f for f in flagged if f["flag"] == "posted_late"], "flagged": flagged,
            "justifications": rows}


def agency_index(conn: sqlite3.Connection, q: str | None) -> list[dict[str, Any]]:
    """Departments with their agencies and counts; ``q`` keeps those whose name, or any
    spelling of which, matches (``ICE``, ``dhs/ice``, ``Homeland``)."""
    rows = _rows(conn, """
        select coalesce(department, agency) as department, agency, count(*) as justifications,
               sum(amount_usd) as total_usd, sum(authority_category = 'urgency') as urgency
        from justifications where agency is not null group by department, agency
        order by department, justifications desc""")
    if q and q.strip():
        wanted = normalized(q.strip())
        needle = q.strip().casefold()
        rows = [r for r in rows if wanted in (r["agency"], r["department"])
                or needle in (r["agency"] or "").casefold()
                or needle in (r["department"] or "").casefold()]
    departments: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = departments.setdefault(r["department"], {"name": r["department"], "agencies": [],
                                                     "justifications": 0})
        d["justifications"] += r["justifications"]
        if r["agency"] != r["department"]:
            d["agencies"].append(r)
    return sorted(departments.values(), key=lambda d: (-d["justifications"], d["name"]))


# --- vendors -------------------------------------------------------------------------------------

def resolve_vendor(conn: sqlite3.Connection, key: str) -> str | None:
    """The vendor group (the name without legal suffixes that justifications are grouped by)
    that ``key`` names: the group itself, a name as written, a UEI, or a recipient name on
    a linked award. None when no justification names that vendor."""
    key = key.strip()
    for sql in ("select vendor_group from justifications where vendor_group = ?",
                "select vendor_group from justifications where vendor = ? collate nocase",
                "select vendor_group from justifications where vendor_uei = ? collate nocase"):
        found = conn.execute(sql + " and vendor_group is not null limit 1", [key]).fetchone()
        if found:
            return found[0]
    for award in _rows(conn, "select id from awards where recipient_uei = :uei or "
                             "parent_recipient_uei = :uei or recipient_name = :name collate "
                             "nocase or parent_recipient_name = :name collate nocase limit 50",
                       {"uei": key.upper() if UEI.fullmatch(key.upper()) else None,
                        "name": key}):
        group = _group_of_award(conn, award["id"])
        if group:
            return group
    wanted = name_key(key)
    if wanted:
        for (group,) in conn.execute("select distinct vendor_group from justifications "
                                     "where vendor_group is not null"):
            if name_key(group) == wanted:
                return group
    return None


def _group_of_award(conn: sqlite3.Connection, award_id: str) -> str | None:
    found = conn.execute("""
        with recursive later(id) as (
          select notice_id from award_links where award_id = ?
          union select n.id from notices n join later on n.previous_notice_id = later.id)
        select j.vendor_group from later join justifications j on j.notice_id = later.id
        where j.vendor_group is not null limit 1""", [award_id]).fetchone()
    return found[0] if found else None


def vendor_context(conn: sqlite3.Connection, group: str) -> dict[str, Any]:
    """Everything the vendor page shows."""
    rows = _rows(conn, f"""
        select {JUSTIFICATION_COLUMNS} from justifications j
        left join notices n on n.id = j.notice_id where j.vendor_group = ?
        order by j.posted_date desc, j.notice_id limit {MAX_LISTED}""", [group])
    ids = [r["notice_id"] for r in rows]
    linked = linked_awards(conn, ids)
    ueis = {r["vendor_uei"].upper() for r in rows if r["vendor_uei"]}
    ueis |= {a["recipient_uei"] for a in linked if a.get("recipient_uei")}
    more = _rows(conn, """
        select null as shown, a.* from awards a
        where a.recipient_uei in (select value from json_each(?))
        order by a.date_signed desc, a.id""", [_json(sorted(ueis))]) if ueis else []
    known = {a["id"] for a in linked}
    awards = linked + [a for a in more if a["id"] not in known]
    names: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["vendor"]:
            names[r["vendor"]].add("the document")
    for a in awards:
        if a.get("recipient_name"):
            names[a["recipient_name"]].add("USAspending recipient")
    uei_seen: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["vendor_uei"]:
            uei_seen[r["vendor_uei"].upper()].add("the document")
    for a in awards:
        if a.get("recipient_uei"):
            uei_seen[a["recipient_uei"]].add("USAspending recipient")
    parents = sorted({(a["parent_recipient_name"], a.get("parent_recipient_uei"))
                      for a in awards if a.get("parent_recipient_name")},
                     key=lambda p: (p[0], p[1] or ""))
    agencies = Counter(r["agency"] for r in rows if r["agency"])
    return {"name": group, "justifications": rows, "awards": awards,
            "names": [{"name": n, "where": sorted(w)} for n, w in sorted(names.items())],
            "ueis": [{"uei": u, "where": sorted(w)} for u, w in sorted(uei_seen.items())],
            "parents": [{"name": n, "uei": u} for n, u in parents],
            "agencies": [{"name": a, "justifications": c} for a, c in agencies.most_common()],
            "totals": totals(rows, awards), "flagged": facts_of(conn, ids, flagged_only=True)}


def vendor_index(conn: sqlite3.Connection, q: str | None) -> list[dict[str, Any]]:
    """Vendors with counts and totals; ``q`` matches any name, group or UEI seen."""
    where, params, hits = "", {}, ""
    if q and q.strip():
        hits = """with recursive hit(id) as (
              select l.notice_id from award_links l join awards a on a.id = l.award_id
              where a.recipient_name like :like or a.recipient_uei = :exact
                 or a.parent_recipient_name like :like or a.parent_recipient_uei = :exact
              union select n.id from notices n join hit on n.previous_notice_id = hit.id)"""
        where = ("and (vendor_group like :like or vendor like :like or vendor_uei = :exact "
                 "or notice_id in (select id from hit))")
        params = {"like": f"%{q.strip()}%", "exact": q.strip().upper()}
    return _rows(conn, f"""{hits}
        select vendor_group as vendor, count(*) as justifications, sum(amount_usd) as total_usd,
               count(distinct agency) as agencies, max(posted_date) as last_posted
        from justifications where vendor_group is not null {where}
        group by vendor_group order by total_usd desc, justifications desc, vendor
        limit {MAX_LISTED}""", params)


# --- routes -------------------------------------------------------------------------------------

def _name_and_format(request: Any) -> tuple[str, str | None]:
    raw = request.url_vars["name"]
    try:
        return tilde_decode(raw), request.url_vars.get("format")
    except Exception:  # noqa: BLE001 - a malformed address is the visitor's mistake
        raise NotFound(f"No page at {raw!r}") from None


async def agency_page(datasette: Any, request: Any) -> Response:
    """``/-/agency/<name>`` (``.atom`` for its feed); any spelling redirects to the page of
    the agency it names."""
    name, fmt = _name_and_format(request)
    db = datasette.get_database(DATABASE)
    found = await db.execute_fn(lambda conn: resolve_agency(conn, name))
    if found is None:
        raise NotFound(f"No agency {name!r} here. Search the agencies at /-/agencies.")
    if found != name:
        return Response.redirect(datasette.urls.path(agency_path(found)) + (fmt or ""))
    context = await db.execute_fn(lambda conn: agency_context(conn, found))
    if fmt:
        return await _feed(datasette, request, f"agency {found}", context)
    html = await datasette.render_template("agency.html", context, request=request)
    return Response.html(html)


async def vendor_page(datasette: Any, request: Any) -> Response:
    """``/-/vendor/<name>`` (``.atom`` for its feed); a name as written, a UEI or a recipient
    name redirects to the page of its vendor group."""
    name, fmt = _name_and_format(request)
    db = datasette.get_database(DATABASE)
    found = await db.execute_fn(lambda conn: resolve_vendor(conn, name))
    if found is None:
        raise NotFound(f"No vendor {name!r} in any justification. Search the vendors at "
                       "/-/vendors.")
    if found != name:
        return Response.redirect(datasette.urls.path(vendor_path(found)) + (fmt or ""))
    context = await db.execute_fn(lambda conn: vendor_context(conn, found))
    if fmt:
        return await _feed(datasette, request, f"vendor {found}", context)
    html = await datasette.render_template("vendor.html", context, request=request)
    return Response.html(html)


async def agencies_page(datasette: Any, request: Any) -> Response:
    """``/-/agencies?q=``: every agency, by department, searchable by any spelling."""
    q = request.args.get("q") or ""
    db = datasette.get_database(DATABASE)
    departments = await db.execute_fn(lambda conn: agency_index(conn, q))
    html = await datasette.render_template("agencies.html", {"q": q, "departments": departments},
                                           request=request)
    return Response.html(html)


async def vendors_page(datasette: Any, request: Any) -> Response:
    """``/-/vendors?q=``: every vendor named in a justification, searchable by name or UEI."""
    q = request.args.get("q") or ""
    db = datasette.get_database(DATABASE)
    vendors = await db.execute_fn(lambda conn: vendor_index(conn, q))
    html = await datasette.render_template("vendors.html", {"q": q, "vendors": vendors},
                                           request=request)
    return Response.html(html)


async def _feed(datasette: Any, request: Any, title: str, context: dict[str, Any]
                ) -> Response:
    flags: dict[str, list[str]] = defaultdict(list)
    for fact in context["flagged"]:
        flags[fact["notice_id"]].append(fact["statement"])
    items = [dict(row) | {"note": "; ".join(flags.get(row["notice_id"], [])) or None}
             for row in context["justifications"]]
    return feed_response(datasette, request, title, items)


ROUTES = [(r"^/-/agencies$", agencies_page), (r"^/-/vendors$", vendors_page),
          (r"^/-/agency/(?P<name>[^/.]+)(?P<format>\.atom)?$", agency_page),
          (r"^/-/vendor/(?P<name>[^/.]+)(?P<format>\.atom)?$", vendor_page)]
