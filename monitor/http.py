"""The only place an httpx.Client is built, plus one retrying GET used by every source.

httpx logs full URLs at INFO, and SAM.gov takes ``api_key`` as a query parameter, so the
``httpx`` logger is silenced and this module logs its own redacted line for every response.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from monitor import __version__
from monitor.errors import RateLimited, Unavailable

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

USER_AGENT = f"solesource/{__version__}"
SECRET_PARAMS = ("api_key", "token", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token")
RETRY_STATUSES = {500, 502, 503, 504}


_SECRET_PARAMS_RE = "|".join(SECRET_PARAMS)
_SECRET_RE = re.compile(rf"([?&](?:{_SECRET_PARAMS_RE})=)(?!null(?:&|$))[^&#]+")


def redact_url(url: httpx.URL | str) -> str:
    """The URL with secret query values replaced by ``***``."""
    return _SECRET_RE.sub(r"\1***", str(url))


def _log_response(response: httpx.Response) -> None:
    request = response.request
    if request.method in ("GET", "HEAD"):
        shown = redact_url(request.url)
    else:  # a delivery: a Slack or webhook URL is itself the credential
        shown = f"{request.url.scheme}://{request.url.host}/***"
    log.info("%s %s -> %s", request.method, shown, response.status_code)


def make_client(
    *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
        follow_redirects=False,
        event_hooks={"response": [_log_response]},
    )


def parse_retry_at(response: httpx.Response, now: datetime) -> datetime | None:
    """When a 429 says we may come back: SAM's ``nextAccessTime`` or a Retry-After header."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = body.get("nextAccessTime") or body.get("description") or ""
        m = re.search(r"(\d{4}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2})\s*\+0000", str(text))
        if m:
            return datetime.strptime(m.group(1), "%Y-%b-%d %H:%M:%S").replace(tzinfo=UTC)
    header = response.headers.get("Retry-After")
    if header:
        if header.strip().isdigit():
            return datetime.fromtimestamp(now.timestamp() + int(header.strip()), UTC)
        try:
            return email.utils.parsedate_to_datetime(header).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    return None


def get(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, str] | list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    retries: int = 2,
    backoff: float = 2.0,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    before_attempt: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """GET with retries on 5xx and transport errors; 429 raises RateLimited at once.

    ``before_attempt`` runs before every attempt (the quota ledger spends there, so a
    retry is paid for like any other request).
    """
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        if before_attempt is not None:
            before_attempt()
        try:
            response = client.get(url, params=params, headers=headers)
        except httpx.TimeoutException:
            last = f"timed out fetching {redact_url(url)}"
            continue
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__} fetching {redact_url(url)}"
            continue
        if response.status_code == 429:
            until = parse_retry_at(response, now())
            raise RateLimited(
                f"{redact_url(response.request.url)} answered 429 (quota or throttle); "
                f"next access {until.isoformat() if until else 'unknown'}",
                until,
            )
        if response.status_code in RETRY_STATUSES:
            last = f"{redact_url(response.request.url)} answered {response.status_code}"
            continue
        return response
    raise Unavailable(f"{last} (after {retries + 1} attempts)")
