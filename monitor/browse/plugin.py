"""Datasette hooks for solesource: money, links, evidence on the row page, stable notice links,
stored documents and Atom feeds of any table or query that lists notices."""

from __future__ import annotations

import asyncio
import mimetypes
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote as urlquote

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from extractors import amount_kind_words
from monitor.attachments import StoredFileError, read_verified
from monitor.browse.feeds import atom_feed, can_render
from monitor.browse.links import agency_path, notice_path, notice_row_path, vendor_path
from monitor.browse.pages import ROUTES as PAGE_ROUTES
from monitor.browse.pages import facts_of

DATABASE = "solesource"
MONEY = {"amount_usd", "total_usd", "largest_usd", "amount_before", "amount_after",
         "increase_usd", "award_amount"}
NOTICE_LINKS = {"notice_id", "previous_notice_id"}
AGENCY_COLUMNS = {"agency", "department"}
VENDOR_COLUMNS = {"vendor", "vendor_group"}


def _value(row: Any, column: str) -> Any:
    try:
        return row[column]
    except (KeyError, IndexError):
        return None


def money(value: float) -> str:
    return f"${value:,.0f}"


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.filters["tilde_encode"] = tilde_encode
    env.filters["agency_path"] = agency_path
    env.filters["vendor_path"] = vendor_path
    env.filters["money"] = money
    env.filters["safe_url"] = safe_url


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a web address or a path on this site, else None (so a stored
    ``javascript:`` never becomes a link)."""
    text = str(url or "")
    if text.startswith(("https://", "http://")) or (text.startswith("/") and
                                                    not text.startswith("//")):
        return text
    return None


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Markup | None:
    if database != DATABASE:
        return None
    if column in MONEY:
        if value is None and column == "amount_usd" and _value(row, "redacted_amount"):
            return Markup('<span class="redacted">redacted</span>')
        if isinstance(value, int | float):
            return Markup(f'<span class="money">{money(value)}</span>')
        return None
    if not value or not isinstance(value, str):
        return None
    if column == "amount_kind":  # "a year", not "per_year"
        return Markup(escape(amount_kind_words(value)))
    if column == "previous_notice_id":  # that notice itself, not where its chain ends
        return Markup(f'<a href="{escape(datasette.urls.path(notice_row_path(value)))}">'
                      f"{escape(value)}</a>")
    if column in NOTICE_LINKS and not (table == "justifications" and column == "notice_id"):
        return Markup(f'<a href="{escape(datasette.urls.path(notice_path(value)))}">'
                      f"{escape(value)}</a>")
    if column == "document_url":
        return Markup(f'<a href="{escape(datasette.urls.path(value))}">stored copy</a>')
    if table == "vendor_totals" and column == "vendor":
        href = datasette.urls.table(DATABASE, "justifications") + "?vendor_group=" + urlquote(value)
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>'
                      + _page_link(datasette.urls.path(vendor_path(value)), "vendor page"))
    if table == "agency_totals" and column == "agency":
        href = datasette.urls.table(DATABASE, "justifications") + "?agency=" + urlquote(value)
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>'
                      + _page_link(datasette.urls.path(agency_path(value)), "agency page"))
    return _entity_link(row, value, column, table, datasette)


def _page_link(href: str, label: str) -> str:
    return f' <a class="page-link" href="{escape(href)}">{label}</a>'


def _entity_link(row: Any, value: str, column: str, table: str | None,
                 datasette: Any) -> Markup | None:
    """Agency and vendor columns of justifications and of the questions link to the agency's
    or vendor's page (a vendor by its group when the row has it)."""
    if table not in (None, "justifications"):
        return None
    if column in AGENCY_COLUMNS:
        path = agency_path(value)
    elif column in VENDOR_COLUMNS:
        path = vendor_path(_value(row, "vendor_group") or value)
    else:
        return None
    return Markup(f'<a href="{escape(datasette.urls.path(path))}">{escape(value)}</a>')


def metadata_without_column_descriptions(datasette: Any, table: str) -> dict[str, Any]:
    """The table's metadata as the table page gets it, less ``columns``: Datasette shows
    those descriptions in each column's menu, so the list above the table is left out."""
    metadata = dict((datasette.metadata("databases") or {}).get(DATABASE, {})
                    .get("tables", {}).get(table, {}))
    datasette.update_with_inherited_metadata(metadata)
    metadata.pop("columns", None)
    return metadata


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        view_name: str, request: Any, datasette: Any) -> Any:
    if database != DATABASE or table is None:
        return None
    if view_name == "table":
        return {"metadata": metadata_without_column_descriptions(datasette, table)}
    if view_name != "row" or table != "justifications":
        return None

    async def evidence() -> dict[str, Any]:
        notice_id = tilde_decode(request.url_vars["pks"])
        result = await datasette.get_database(DATABASE).execute(
            "select field, value, as_written, quote, page, confidence, document from evidence"
            " where notice_id = ? order by rowid", [notice_id])
        items = [dict(r) | {"quote_html": highlight(r["quote"], r["as_written"] or r["value"])}
                 for r in result.rows]
        facts = await datasette.get_database(DATABASE).execute_fn(
            lambda conn: facts_of(conn, [notice_id]))
        return {"evidence": items, "facts": facts}
    return evidence


def highlight(quote: str, value: str | None) -> Markup:
    """The quote, escaped, with the value marked wherever it appears (line breaks ignored)."""
    text = str(escape(quote))
    if value:
        words = [re.escape(str(escape(w))) for w in str(value).split()]
        if words:
            pattern = re.compile(r"\s+".join(words), re.I)
            text = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text)
    return Markup(text)


BAD_SORT = re.compile(r"Cannot sort table by (?P<column>.*)"
                      r"|Cannot use _sort and _sort_desc at the same time", re.S)


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> None:
    """A sort by a column that does not exist is the visitor's mistake: 400 with a line that
    says what to do, not Datasette's 500. The default handler renders the page."""
    if isinstance(exception, DatasetteError) and exception.status == 500:
        match = BAD_SORT.fullmatch(exception.message)
        if match:
            exception.status = 400
            exception.message = (
                f"Cannot sort by {match['column']!r}: no such column here; pick a column "
                "heading to sort by it." if match["column"] is not None
                else "Use either _sort or _sort_desc, not both.")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/notice/(?P<notice_id>[^/]+)$", notice_redirect),
            (r"^/-/attachment/(?P<attachment_id>.+)$", attachment),
            (r"^/-/unsubscribe$", unsubscribe), *PAGE_ROUTES]


@hookimpl
def skip_csrf(scope: dict[str, Any]) -> bool:
    """Mail clients POST one-click unsubscribes (RFC 8058) without a form token; the signed
    token in the address is what authorizes them."""
    return scope.get("path") == "/-/unsubscribe"


async def unsubscribe(datasette: Any, request: Any) -> Response:
    """GET asks for confirmation (so link scanners do not unsubscribe anyone); POST — the
    button, or a mail client's one-click — does it."""
    handler = datasette.solesource.unsubscribe
    if handler is None:
        raise NotFound("Unsubscribing is not handled by this server; run "
                       "`solesource unsubscribe ID TOKEN` where the private database lives.")
    form = await request.post_vars() if request.method == "POST" else {}
    sid, token = request.args.get("s") or form.get("s"), request.args.get("t") or form.get("t")
    context: dict[str, Any] = {"s": sid, "t": token, "state": "invalid"}
    status = 400
    if sid and sid.isdigit() and token and re.fullmatch(r"[0-9a-f]{32}", token):
        if request.method == "POST":
            done = await asyncio.to_thread(handler, int(sid), token)
            if done is not None:
                context["state"], status = "done", 200
        else:
            context["state"], status = "confirm", 200
    html = await datasette.render_template("unsubscribe.html", context, request=request)
    return Response.html(html, status=status)


async def notice_redirect(datasette: Any, request: Any) -> Response:
    """A stable link for any notice: its justification page, or the page of the notice that
    superseded it, or else its row in ``notices``."""
    notice_id = tilde_decode(request.url_vars["notice_id"])
    db = datasette.get_database(DATABASE)
    current, seen = notice_id, set()
    while current and current not in seen:
        seen.add(current)
        row = (await db.execute("select 1 from justifications where notice_id = ?",
                                [current])).first()
        if row:
            return Response.redirect(datasette.urls.row(DATABASE, "justifications",
                                                        tilde_encode(current)))
        later = (await db.execute("select id from notices where previous_notice_id = ?",
                                  [current])).first()
        current = later[0] if later else None
    if (await db.execute("select 1 from notices where id = ?", [notice_id])).first():
        return Response.redirect(datasette.urls.row(DATABASE, "notices", tilde_encode(notice_id)))
    raise NotFound(f"No notice {notice_id!r}")


async def attachment(datasette: Any, request: Any) -> Response:
    """The stored copy of a document. Only files under ``data_dir/files`` are served, and only
    when their size and sha256 are still those downloaded (a truncated or replaced file is
    refused, and fetched again by the next poll). Anything that is not a PDF is sent as plain
    text or as a download, so document content can never run as a page on this site."""
    attachment_id = request.url_vars["attachment_id"]
    db = datasette.get_database(DATABASE)
    row = (await db.execute(
        "select path, media_type, filename, size, sha256 from attachments where id = ? and "
        "state = 'stored'", [attachment_id])).first()
    if row is None or not row["path"]:
        raise NotFound("No stored document with that id")
    try:
        data = await asyncio.to_thread(read_verified, datasette.solesource.data_dir, dict(row))
    except StoredFileError as exc:
        raise NotFound(f"The stored copy of this document cannot be served: {exc.problem}. "
                       "The next poll fetches it again.") from None
    name_on_disk = PurePosixPath(row["path"]).name
    media = row["media_type"] or mimetypes.guess_type(name_on_disk)[0] or ""
    name = re.sub(r'[^A-Za-z0-9._ -]', "_", row["filename"] or name_on_disk)
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
               "Content-Disposition": f'inline; filename="{name}"'}
    if media == "application/pdf":
        headers.pop("Content-Security-Policy")
    elif media.startswith("text/"):
        media = "text/plain; charset=utf-8"
    else:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(data, content_type=media or "application/octet-stream", headers=headers)


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {"extension": "atom", "render": atom_feed, "can_render": can_render}
