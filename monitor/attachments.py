"""Download attachments: keyless, size-capped, streamed to disk, sha256-deduplicated.

Redirects are followed by hand (SAM.gov answers 303 to a signed S3 URL) so that only
http(s) targets are ever fetched, and so that signed URLs never reach the logs unredacted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx

from monitor import http
from monitor.errors import SourceError, Unavailable
from monitor.sources import PollContext
from monitor.sources.samgov_internal import download_url, list_resources
from monitor.store import iso, update_row

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {"application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html", DOCX: ".docx",
              "application/zip": ".zip", "application/msword": ".doc",
              "application/octet-stream": ".bin"}


class TooLarge(SourceError):
    pass


@dataclass(frozen=True)
class Download:
    sha256: str
    size: int
    media_type: str
    filename: str | None
    path: Path


def sniff(head: bytes, filename: str | None = None) -> str:
    """The content type from the first bytes, not from what the server claims."""
    name = (filename or "").lower()
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return DOCX if name.endswith(".docx") or b"word/" in head else "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/msword"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or b"<body" in stripped[:512]:
        return "text/html"
    try:
        head.decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


def filename_from(headers: httpx.Headers) -> str | None:
    cd = headers.get("content-disposition") or ""
    m = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", cd, re.I) or re.search(
        r'filename="?([^";]+)"?', cd, re.I)
    if not m:
        return None
    name = unquote_plus(m.group(1).strip())
    return os.path.basename(name.replace("\\", "/")) or None


def download(ctx: PollContext, url: str, dest: Path, max_bytes: int) -> Download:
    """Fetch ``url`` following at most five http(s) redirects, streaming with a size cap.
    A signed URL refused with 403 (it expired between the redirect and the request) is
    signed afresh once by asking ``url`` again."""
    start = current = httpx.URL(url)
    resigned = False
    for _ in range(MAX_REDIRECTS + 2):
        if current.scheme not in ("http", "https"):
            raise SourceError(f"refusing to follow a redirect to a {current.scheme}: URL")
        try:
            with ctx.client.stream("GET", current) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise SourceError(f"{http.redact_url(current)} redirected nowhere")
                    current = current.join(location)
                    continue
                if response.status_code >= 500:
                    raise Unavailable(f"{http.redact_url(current)} answered "
                                      f"{response.status_code}")
                if response.status_code == 403 and current != start and not resigned:
                    log.info("%s refused (403): asking for a fresh signed URL",
                             http.redact_url(current))
                    resigned, current = True, start
                    continue
                if response.status_code != 200:
                    raise SourceError(f"{http.redact_url(current)} answered "
                                      f"{response.status_code}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise TooLarge(f"attachment is {declared} bytes, over the cap of {max_bytes}")
                return _stream_to_disk(response, dest, max_bytes)
        except httpx.TimeoutException:
            raise Unavailable(f"timed out downloading {http.redact_url(current)}") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"{type(exc).__name__} downloading "
                              f"{http.redact_url(current)}") from None
    raise SourceError(f"more than {MAX_REDIRECTS} redirects from {http.redact_url(url)}")


def _stream_to_disk(response: httpx.Response, dest: Path, max_bytes: int) -> Download:
    dest.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=".part-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in response.iter_bytes(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"attachment passed the cap of {max_bytes} bytes")
                if len(head) < 2048:
                    head += chunk[: 2048 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        expected = response.headers.get("content-length")
        if expected and int(expected) != size:
            raise Unavailable(f"download truncated: got {size} of {expected} bytes")
        filename = filename_from(response.headers)
        media = sniff(head, filename)
        sha = digest.hexdigest()
        final = dest / sha[:2] / f"{sha}{EXTENSIONS.get(media, '.bin')}"
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_file() and file_problem(final, size, sha) is None:
            tmp.unlink()
        else:  # new, or a stored copy that was truncated or damaged since: replace it
            os.replace(tmp, final)
        return Download(sha, size, media, filename, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---- stored files are checked, not trusted ---------------------------------------------

UNUSABLE = ("missing", "damaged")  # attachment states of a stored file gone bad


class StoredFileError(Exception):
    """A stored attachment cannot be used: ``state`` is "missing" or "damaged"."""

    def __init__(self, state: str, problem: str) -> None:
        super().__init__(problem)
        self.state = state
        self.problem = problem


def stored_path(data_dir: Path, rel: str | None) -> Path | None:
    """The file an attachment row's ``path`` names, resolved (symlinks too), when it lies
    under ``data_dir/files``; None for anything else (``private.db``, ``../x``, a link out)."""
    if not rel:
        return None
    root = Path(data_dir).resolve()
    files = root / "files"
    try:
        path = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return path if path.is_relative_to(files) and path != files else None


def file_problem(path: Path, size: int | None, sha256: str | None, *,
                 full: bool = True) -> str | None:
    """What is wrong with a stored file against its recorded size and sha256, or None. With
    ``full=False`` only its size is checked (a stat, for sweeping many files)."""
    try:
        actual = path.stat().st_size
    except OSError:
        return "the stored file is missing"
    if size is not None and actual != size:
        return f"the stored file has {actual} bytes, not the {size} downloaded"
    if full and sha256:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            return "the stored file's sha256 differs from the one downloaded"
    return None


def read_verified(data_dir: Path, row: dict[str, Any]) -> bytes:
    """The bytes of a stored attachment, read once and checked against its row's size and
    sha256. Raises StoredFileError when the path is not under ``files/``, the file is gone,
    or it is not what was downloaded."""
    path = stored_path(data_dir, row.get("path"))
    if path is None:
        raise StoredFileError("missing", "its path is not under the files folder")
    try:
        data = path.read_bytes()
    except OSError:
        raise StoredFileError("missing", "the stored file is missing") from None
    size, sha = row.get("size"), row.get("sha256")
    if size is not None and len(data) != size:
        raise StoredFileError("damaged", f"the stored file has {len(data)} bytes, not the "
                                         f"{size} downloaded")
    if sha and hashlib.sha256(data).hexdigest() != sha:
        raise StoredFileError("damaged", "the stored file's sha256 differs from the one "
                                         "downloaded")
    return data


def stored_problem(data_dir: Path, row: dict[str, Any], *, full: bool = True
                   ) -> StoredFileError | None:
    """Why a ``stored`` attachment row cannot be used, or None (see file_problem)."""
    path = stored_path(data_dir, row.get("path"))
    if path is None:
        return StoredFileError("missing", "its path is not under the files folder")
    problem = file_problem(path, row.get("size"), row.get("sha256"), full=full)
    if problem is None:
        return None
    return StoredFileError("missing" if "missing" in problem else "damaged", problem)


def mark_unusable(store: Any, attachment_id: str, notice_id: str,
                  error: StoredFileError) -> None:
    """Record a bad stored file and put its notice back in line: the next poll fetches the
    file again (and the notice is then extracted again); until then ``status`` shows it."""
    log.warning("attachment %s: %s; it will be fetched again", attachment_id, error.problem)
    update_row(store.public, "attachments", "id", attachment_id,
               {"state": error.state,
                "problem": f"{error.problem}; fetched again on the next poll"})
    store.set_notice(notice_id, attachments_state="pending")


def recheck_stored(store: Any, data_dir: Path, source: str) -> int:
    """Find stored files of ``source`` that are gone or have the wrong size (a stat each) and
    mark them for fetching again. Returns how many were marked."""
    rows = [dict(zip(("id", "notice_id", "path", "size", "sha256"), r, strict=True))
            for r in store.public.execute(
                "select id, notice_id, path, size, sha256 from attachments where state = "
                "'stored' and id like ?", [f"{source}:%"]).fetchall()]
    marked = 0
    for row in rows:
        error = stored_problem(data_dir, row, full=False)
        if error is not None:
            mark_unusable(store, row["id"], row["notice_id"], error)
            marked += 1
    return marked


def _sweep_partials(folder: Path, older_than: float = 3600.0) -> None:
    """Remove half-written downloads left by a killed run (never a live one's)."""
    import time

    if folder.exists():
        for part in folder.glob(".part-*"):
            if time.time() - part.stat().st_mtime > older_than:
                part.unlink(missing_ok=True)


def fetch_pending(ctx: PollContext, source: str = "samgov") -> None:
    """Work every notice whose attachments are still pending. Listing and downloading run
    in a few threads (``download_workers``); this thread alone writes the database. One
    notice's failure is recorded on that notice and the rest go on."""
    _sweep_partials(ctx.settings.files_dir)
    recheck_stored(ctx.store, ctx.settings.data_dir, source)
    pending = ctx.store.notices_needing_attachments(source)
    if not pending:
        return
    finished = ctx.store.finished_attachment_ids(source)
    work = _samgov_notice if source == "samgov" else _linked_text
    with ThreadPoolExecutor(max_workers=max(1, ctx.settings.download_workers)) as pool:
        futures = {pool.submit(work, ctx, notice, finished): notice for notice in pending}
        for done, future in enumerate(as_completed(futures), 1):
            notice = futures[future]
            ctx.progress.update(f"{source} attachments", done, len(pending))
            try:
                rows, state = future.result()
            except SourceError as exc:
                log.warning("attachments for %s: %s", notice["id"], exc)
                ctx.stats.notes.append(f"{notice['id']}: {exc}")
                continue  # stays pending: retried next run
            for row in rows:
                ctx.store.save_attachment(row)
            ctx.store.set_notice(notice["id"], attachments_state=state,
                                 extraction_state="pending")


Rows = list[dict[str, Any]]


def _samgov_notice(ctx: PollContext, notice: dict[str, Any], finished: set[str]
                   ) -> tuple[Rows, str]:
    rows = list_resources(ctx, notice["source_id"])
    owner = notice["id"]
    if rows is None:
        raise Unavailable("the attachment list could not be read")
    if not rows:
        parent = notice.get("parent_notice_id") or notice.get("previous_notice_id")
        if parent:
            rows = list_resources(ctx, parent.split(":", 1)[1]) or []
            owner = parent
    out: Rows = []
    for row in rows:
        record = _one_resource(ctx, notice, owner, row, finished)
        if record is not None:
            out.append(record)
    return out, "done" if rows else "none"


def _one_resource(ctx: PollContext, notice: dict[str, Any], owner: str,
                  row: dict[str, Any], finished: set[str]) -> dict[str, Any] | None:
    rid = str(row.get("resourceId") or row.get("attachmentId") or "")
    if not rid:
        return None
    att_id = f"{notice['id']}/{rid}"
    if att_id in finished:
        return None
    base = {
        "id": att_id, "notice_id": notice["id"], "resource_id": rid,
        "from_notice_id": owner if owner != notice["id"] else None,
        "filename": row.get("name"), "declared_mime": row.get("mimeType"),
        "declared_size": row.get("size"), "access_level": row.get("accessLevel"),
        "source_url": download_url(ctx, rid), "fetched_at": iso(ctx.clock()),
    }
    skip = _skip_reason(row)
    if skip:
        return base | {"state": skip[0], "problem": skip[1]}
    return _download_into(ctx, base, download_url(ctx, rid))


def _skip_reason(row: dict[str, Any]) -> tuple[str, str] | None:
    if str(row.get("deletedFlag", "0")) == "1":
        return "deleted", "deleted on SAM.gov"
    if row.get("type") == "link":
        return "link", "an external link, not a file"
    if (row.get("accessLevel") or "public") != "public":
        return "private", "not public on SAM.gov (request access there)"
    return None


def _download_into(ctx: PollContext, base: dict[str, Any], url: str) -> dict[str, Any]:
    try:
        got = download(ctx, url, ctx.settings.files_dir, ctx.settings.max_attachment_bytes)
    except TooLarge as exc:
        return base | {"state": "too_large", "problem": str(exc)}
    rel = got.path.relative_to(ctx.settings.data_dir).as_posix()
    return base | {
        "filename": base.get("filename") or got.filename, "media_type": got.media_type,
        "size": got.size, "sha256": got.sha256, "path": rel, "state": "stored",
        "problem": None}


def _linked_text(ctx: PollContext, notice: dict[str, Any], finished: set[str]
                 ) -> tuple[Rows, str]:
    """Federal Register notices: the full text lives at ``raw_text_url``."""
    urls = json.loads(notice.get("attachment_urls") or "[]")
    out: Rows = []
    for url in urls:
        base = {"id": f"{notice['id']}/full_text", "notice_id": notice["id"],
                "resource_id": "full_text", "filename": url.rsplit("/", 1)[-1],
                "source_url": url, "fetched_at": iso(ctx.clock())}
        if base["id"] not in finished:
            out.append(_download_into(ctx, base, url))
    return out, "done" if urls else "none"
