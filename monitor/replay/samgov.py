"""api.sam.gov v2 search + noticedesc (keyed, quota), sam.gov keyless resources/downloads,
the signed-URL file host and the data-extract CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus

from monitor.replay.wsgi import Replay, Request, Response, Route

PTYPES = {"u": "Justification", "p": "Presolicitation", "a": "Award Notice",
          "r": "Sources Sought", "s": "Special Notice", "o": "Solicitation",
          "g": "Sale of Surplus Property", "k": "Combined Synopsis/Solicitation",
          "i": "Intent to Bundle Requirements (DoD-Funded)"}
CSV_COLUMNS = ["NoticeId", "Title", "Sol#", "Department/Ind.Agency", "CGAC", "Sub-Tier",
               "FPDS Code", "Office", "AAC Code", "PostedDate", "Type", "BaseType", "ArchiveType",
               "ArchiveDate", "SetASideCode", "SetASide", "ResponseDeadLine", "NaicsCode",
               "ClassificationCode", "PopStreetAddress", "PopCity", "PopState", "PopZip",
               "PopCountry", "Active", "AwardNumber", "AwardDate", "Award$", "Awardee",
               "PrimaryContactTitle", "PrimaryContactFullname", "PrimaryContactEmail",
               "PrimaryContactPhone", "PrimaryContactFax", "SecondaryContactTitle",
               "SecondaryContactFullname", "SecondaryContactEmail", "SecondaryContactPhone",
               "SecondaryContactFax", "OrganizationType", "State", "City", "ZipCode",
               "CountryCode", "AdditionalInfoLink", "Link", "Description"]


def _err(status: int, message: str) -> Response:
    return Response.json(status, {"errorCode": str(status), "errorMessage": message})


def _check_key(app: Replay, req: Request) -> Response | None:
    key = req.arg("api_key")
    if not key:
        return Response.json(app.modes["missing_key_status"], {"error": {
            "code": "API_KEY_MISSING",
            "message": "No api_key was supplied. Please submit with a valid API key."}})
    if key not in app.keys:
        return Response.json(403, {"error": {
            "code": "API_KEY_INVALID",
            "message": "An invalid API key was supplied. Please submit with a valid API key."}})
    now = app.clock().astimezone(UTC)
    slot = (key, now.date().isoformat())
    with app.lock:
        if app.usage[slot] >= app.keys[key]:
            reset = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            stamp = reset.strftime("%Y-%b-%d %H:%M:%S+0000 UTC")
            body = {"code": "900804", "message": "Message throttled out",
                    "description": "You have exceeded your quota. You can access API after "
                                   f"{stamp}"}
            if app.modes["next_access_time"]:
                body["nextAccessTime"] = stamp
            headers = {}
            if app.modes["retry_after"]:
                headers["Retry-After"] = reset.strftime("%a, %d %b %Y %H:%M:%S GMT")
            return Response.json(429, body, **headers)
        app.usage[slot] += 1
    return None


def _parse_date(text: str | None) -> date | None:
    if text is None or not re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        return None


def public_record(app: Replay, rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rec.items() if not k.startswith("_")}
    nid = rec["noticeId"]
    out.setdefault("description",
                   f"https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid={nid}")
    out.setdefault("uiLink", f"https://sam.gov/workspace/contract/opp/{nid}/view")
    out.setdefault("links", [{"rel": "self", "href": "https://api.sam.gov/prod/opportunities/"
                              f"v2/search?noticeid={nid}&limit=1"}])
    if "resourceLinks" not in out:
        files = [a for a in rec.get("_attachments") or []
                 if a.get("accessLevel", "public") == "public" and a.get("type", "file") == "file"]
        out["resourceLinks"] = [
            "https://sam.gov/api/prod/opps/v3/opportunities/resources/files/"
            f"{a['resourceId']}/download" for a in files] or None
    return out


def search(app: Replay, req: Request, _: dict[str, str]) -> Response:
    if (denied := _check_key(app, req)) is not None:
        return denied
    posted_from, posted_to = req.arg("postedFrom"), req.arg("postedTo")
    if not posted_from or not posted_to:
        return _err(400, "PostedFrom and PostedTo are mandatory")
    start, end = _parse_date(posted_from), _parse_date(posted_to)
    if start is None or end is None:
        return _err(400, "Invalid Date Entered. Expected date format is MM/dd/yyyy")
    if (end - start).days >= 365:
        return _err(400, f"Date range must be {app.modes['range_message']} year(s) apart")
    try:
        limit = int(req.arg("limit", "1") or "1")
        offset = int(req.arg("offset", "0") or "0")
    except ValueError:
        return _err(400, "limit/offset must be a positive number.")
    if limit < 0 or offset < 0:
        return _err(400, "limit/offset must be a positive number.")
    if limit > 1000:
        return _err(400, "Limit valid range is 0-1000. Please provide valid input.")
    with app.lock:
        if app.drift:
            app.data.notices.append(app.drift.popleft())
    rows = [r for r in app.data.notices if _matches(r, req, start, end)]
    rows.sort(key=lambda r: (r.get("postedDate") or "", r["noticeId"]), reverse=True)
    first = offset * limit if app.modes["offset"] == "page" else offset
    page = rows[first:first + limit]
    if not rows and app.modes["empty"] == "404":
        return _err(404, "No Data found")
    body: dict[str, Any] = {"totalRecords": len(rows), "limit": limit, "offset": offset}
    if page or app.modes["empty"] == "list":
        body["opportunitiesData"] = [public_record(app, r) for r in page]
    query = "&".join(f"{k}={quote(v, safe='/')}" for k, v in req.query if k != "api_key")
    body["links"] = [{"rel": "self",
                      "href": f"https://api.sam.gov/prod/opportunities/v2/search?{query}"}]
    return Response.json(200, body)


def _matches(rec: dict[str, Any], req: Request, start: date, end: date) -> bool:
    posted = (rec.get("postedDate") or "")[:10]
    if not posted or not start.isoformat() <= posted <= end.isoformat():
        return False
    codes = [c for v in req.args("ptype") for c in v.split(",") if c]
    if codes:
        labels = {PTYPES.get(c) for c in codes}
        if rec.get("type") not in labels and rec.get("baseType") not in labels:
            return False
    if (nid := req.arg("noticeid")) and rec["noticeId"] != nid:
        return False
    if (sol := req.arg("solnum")) and (rec.get("solicitationNumber") or "").strip() != sol.strip():
        return False
    if (title := req.arg("title")) and title.lower() not in (rec.get("title") or "").lower():
        return False
    if (ncode := req.arg("ncode")) and rec.get("naicsCode") != ncode:
        return False
    return True


def noticedesc(app: Replay, req: Request, _: dict[str, str]) -> Response:
    if (denied := _check_key(app, req)) is not None:
        return denied
    rec = app.data.notice(req.arg("noticeid") or "")
    if rec is None or not rec.get("_description"):
        return _err(404, "Description Not Found")
    return Response.json(200, {"description": rec["_description"]})


def detail(app: Replay, req: Request, m: dict[str, str]) -> Response:
    rec = app.data.notice(m["id"])
    if rec is None:
        return Response.json(404, {"message": "Not Found"})
    if rec.get("_restricted"):
        return Response.json(401, {"message": "Unauthorized"})
    code = "u" if rec.get("type") == "Justification" else next(
        (k for k, v in PTYPES.items() if v == rec.get("type")), "s")
    award = dict(rec.get("award") or {})
    if rec.get("_authority"):
        award["justificationAuthority"] = {"authority": rec["_authority"],
                                           "modificationNumber": None}
    body = {
        "data2": {"type": code, "title": rec.get("title"),
                  "solicitationNumber": rec.get("solicitationNumber"),
                  "version": str(rec.get("_version", 1)), "award": award},
        "description": [{"opportunityId": rec["noticeId"], "descriptionId": "d1",
                         "modifiedOn": f"{rec.get('postedDate')}T12:00:00.000+00:00",
                         "body": rec.get("_description") or ""}],
        "parent": {"opportunityId": rec.get("_parent") or rec["noticeId"]},
        "related": {}, "status": {"code": "published", "value": "Published"},
        "archived": False, "cancelled": False, "latest": True, "deleted": False,
        "postedDate": f"{rec.get('postedDate')}T12:00:00.000+00:00",
        "opportunityId": rec["noticeId"], "id": rec["noticeId"],
    }
    return Response.json(200, body, **{"Content-Type": "application/hal+json"})


def resources(app: Replay, req: Request, m: dict[str, str]) -> Response:
    rec = app.data.notice(m["id"])
    if rec is None:
        return Response.json(404, {"message": "Not Found"})
    atts = rec.get("_attachments") or []
    if not atts:
        return Response.json(200, {}, **{"Content-Type": "application/hal+json"})
    rows = []
    for order, a in enumerate(atts, 1):
        is_link = a.get("type") == "link"
        size = 0 if is_link else len(app.data.file_bytes(a))
        ext = "." + a["name"].rsplit(".", 1)[-1].lower() if "." in a["name"] else None
        rows.append({
            "attachmentId": hashlib.md5(a["resourceId"].encode()).hexdigest(),
            "resourceId": a["resourceId"], "fileExists": "1", "name": a["name"],
            "type": a.get("type", "file"), "postedDate": "", "accessLevel":
            a.get("accessLevel", "public"), "exportControlled": "0", "explicitAccess": "0",
            "mimeType": None if is_link else ext, "size": size, "deletedDate": "",
            "deletedFlag": a.get("deletedFlag", "0"),
            "accessStatus": a.get("accessLevel", "public"), "attachmentOrder": order})
    body = {"_embedded": {"opportunityAttachmentList": [
        {"opportunityId": rec["noticeId"], "attachments": rows}]}}
    return Response.json(200, body, **{"Content-Type": "application/hal+json"})


def download(app: Replay, req: Request, m: dict[str, str]) -> Response:
    found = app.data.attachment(m["rid"])
    if found is None:
        return Response.json(404, {"message": "Not Found"})
    _rec, att = found
    if att.get("accessLevel", "public") != "public":
        return Response.json(403, {"message": "Access Denied"})
    stamp = app.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    expires = app.modes["presign_expires"]
    sig = hashlib.sha256(f"{m['rid']}{stamp}".encode()).hexdigest()
    location = (f"{req.host_url}/fake-s3/{m['rid']}/{quote(att['name'])}?X-Amz-Algorithm="
                f"AWS4-HMAC-SHA256&X-Amz-Date={stamp}&X-Amz-Expires={expires}"
                f"&X-Amz-Signature={sig}")
    return Response(app.modes.get("redirect_status", 303), b"", {"Location": location})


def s3_object(app: Replay, req: Request, m: dict[str, str]) -> Response:
    found = app.data.attachment(m["rid"])
    stamp, expires = req.arg("X-Amz-Date"), req.arg("X-Amz-Expires")
    if found is None or not stamp or not expires:
        return _s3_error(403, "AccessDenied", "Access Denied")
    signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if app.clock() > signed + timedelta(seconds=int(expires)):
        return _s3_error(403, "AccessDenied", "Request has expired")
    _rec, att = found
    data = app.data.file_bytes(att)
    ctype = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument"
             ".wordprocessingml.document", "txt": "text/plain"}.get(
        att["name"].rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return Response(200, data, {
        "Content-Type": att.get("served_as", ctype),
        "Content-Disposition": f"attachment; filename={quote_plus(att['name'])}",
        "Accept-Ranges": "bytes", "ETag": f'"{hashlib.md5(data).hexdigest()}"'})


def _s3_error(status: int, code: str, message: str) -> Response:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
           f"<Message>{message}</Message></Error>")
    return Response.text(status, xml, "application/xml")


def csv_bytes(app: Replay) -> bytes:
    if app.data.csv_bytes is not None:
        return app.data.csv_bytes
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in app.data.notices:
        writer.writerow(_csv_row(rec))
    return out.getvalue().encode("cp1252", errors="replace")


def _csv_row(rec: dict[str, Any]) -> list[str]:
    award = rec.get("award") or {}
    parts = (rec.get("fullParentPathName") or "").split(".")
    values = {
        "NoticeId": rec["noticeId"], "Title": rec.get("title"),
        "Sol#": rec.get("solicitationNumber"),
        "Department/Ind.Agency": parts[0] if parts else "",
        "Sub-Tier": parts[1] if len(parts) > 1 else "",
        "Office": parts[-1] if len(parts) > 2 else "",
        "PostedDate": f"{rec.get('postedDate')} 09:15:00", "Type": rec.get("type"),
        "BaseType": rec.get("baseType"), "ArchiveType": rec.get("archiveType"),
        "ArchiveDate": rec.get("archiveDate"), "SetASideCode": rec.get("typeOfSetAside"),
        "ResponseDeadLine": rec.get("responseDeadLine"), "NaicsCode": rec.get("naicsCode"),
        "ClassificationCode": rec.get("classificationCode"), "Active": rec.get("active"),
        "AwardNumber": award.get("number"), "AwardDate": award.get("date"),
        "Award$": award.get("amount"), "Awardee": (award.get("awardee") or {}).get("name"),
        "Link": f"https://sam.gov/workspace/contract/opp/{rec['noticeId']}/view",
        "Description": rec.get("_description"),
    }
    return ["" if values.get(c) is None else str(values.get(c)) for c in CSV_COLUMNS]


def csv_file(app: Replay, req: Request, _: dict[str, str]) -> Response:
    data = csv_bytes(app)
    etag = f'"{hashlib.md5(data).hexdigest()}-26"'
    if req.headers.get("if-none-match") == etag:
        return Response(304, b"", {"ETag": etag})
    return Response(200, data, {"Content-Type": "text/csv", "ETag": etag,
                                "Accept-Ranges": "bytes",
                                "Last-Modified": "Tue, 07 Oct 2026 03:30:00 GMT"})


def csv_redirect(app: Replay, req: Request, _: dict[str, str]) -> Response:
    return Response(303, b"", {"Location": f"{req.host_url}/Contract%20Opportunities/datagov/"
                                           "ContractOpportunitiesFullCSV.csv"})


ROUTES: list[Route] = [
    ("search", "GET", re.compile(r"(?:/prod)?/opportunities/v2/search"), search),
    ("noticedesc", "GET", re.compile(r"/prod/opportunities/v1/noticedesc"), noticedesc),
    ("detail", "GET", re.compile(r"/api/prod/opps/v2/opportunities/(?P<id>[0-9A-Za-z]+)"), detail),
    ("download", "GET", re.compile(
        r"/api/prod/opps/v3/opportunities/resources/files/(?P<rid>[^/]+)/download"), download),
    ("resources", "GET", re.compile(r"/api/prod/opps/v3/opportunities/(?P<id>[^/]+)/resources"),
     resources),
    ("s3", "GET", re.compile(r"/fake-s3/(?P<rid>[^/]+)/(?P<name>.+)"), s3_object),
    ("csv", "GET", re.compile(r"/Contract Opportunities/datagov/ContractOpportunitiesFullCSV\.csv"),
     csv_file),
    ("csv_redirect", "GET", re.compile(
        r"/api/prod/fileextractservices/v1/api/download/Contract Opportunities/datagov/"
        r"ContractOpportunitiesFullCSV\.csv"), csv_redirect),
]
