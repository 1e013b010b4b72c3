"""Slack incoming webhooks with Block Kit, inside Slack's limits."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import httpx

from notifications.base import Target
from notifications.targets import Resolver, check_url, guarded_client
from notifications.types import DeliveryResult, Item, Message

log = logging.getLogger(__name__)

MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
BUTTON_MAX = 75
GONE = {"no_service", "channel_not_found", "channel_is_archived", "no_team", "team_disabled",
        "invalid_token", "action_prohibited", "posting_to_general_channel_denied"}


def escape(text: str) -> str:
    """Slack mrkdwn control characters; a document can't ping @channel or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str) -> str:
    """For plain_text fields: no angle brackets, so nothing can look like a mention."""
    return text.replace("<", "‹").replace(">", "›")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_blocks(item: Item) -> list[dict[str, Any]]:
    fields = [
        f"*Vendor*\n{escape(item.vendor or 'not named')}",
        f"*Amount*\n{escape(item.amount_text)}",
        f"*Authority*\n{escape(item.authority)}",
        f"*Agency*\n{escape(item.agency_path or item.agency)}",
    ] + [f"*{escape(label)}*\n{day}" for label, day in item.key_dates[:6]]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                    "text": _cut(plain(item.title or "Sole-source "
                                                       "justification"), HEADER_MAX)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": _cut(f, FIELD_MAX)}
                                       for f in fields[:10]]},
    ]
    lines = []
    if item.kind == "award":
        source = (f" — <{item.fact_url}|{escape(item.fact_source or 'source')}>"
                  if item.fact_url else "")
        lines.append(f"*Follow the money — {escape(item.event or 'award event')}:* "
                     f"{escape(item.change or '')} _({escape(item.fact_tier or 'fact')})_"
                     f"{source}")
        if item.fact_rule:
            lines.append(f"_How:_ {escape(item.fact_rule)}")
    elif item.change:
        lines.append(f"*What changed:* {escape(item.change)}")
    if item.kind == "reminder" and item.response_due:
        lines.append(f"*Reminder:* responses are due {item.response_due}")
    if item.rationale:
        lines.append(f"*Why no competition:* {escape(item.rationale)}")
    if item.quote:
        lines.append("> " + escape(" ".join(item.quote.split())))
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _cut("\n".join(lines), SECTION_MAX)}})
    buttons = [(label, url) for label, url in (("Open the notice", item.source_url),
                                               ("Browse", item.browse_url)) if url]
    if buttons:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": _cut(label, BUTTON_MAX)},
             "url": url[:3000]} for label, url in buttons]})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": _cut(f"Matched because: {escape(item.why)}", 2000)}]})
    blocks.append({"type": "divider"})
    return blocks


def payload(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    shown = 0
    for item in message.items:
        more = item_blocks(item)
        if len(blocks) + len(more) > MAX_BLOCKS - 1:
            break
        blocks.extend(more)
        shown += 1
    if shown < len(message.items):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"…and {len(message.items) - shown} more in this batch."}]})
    first = message.items[0] if message.items else None
    text = escape(message.subject) if not first else escape(
        f"{first.agency}: {first.vendor or 'vendor not named'}, {first.amount_text}, "
        f"{first.authority}")
    return {"text": _cut(text, 3000), "blocks": blocks}


class SlackNotifier:
    """Posts to a Slack incoming webhook. ``client`` lends its timeout, headers and hooks; the
    post itself goes through the target guard (notifications.targets), so a URL that
    resolves to a non-public address raises RefusedTarget instead of being sent to.
    ``resolver`` is for tests; ``allow_loopback`` lets 127.0.0.1 through (tests, the demo)."""

    channel: ClassVar[str] = "slack"

    def __init__(self, client: httpx.Client | None = None, *,
                 resolver: Resolver | None = None, allow_loopback: bool = False) -> None:
        self.client = client
        self.resolver = resolver
        self.allow_loopback = allow_loopback

    def send(self, message: Message, target: Target) -> DeliveryResult:
        """The result of one post; raises RefusedTarget when the URL may not be sent to."""
        masked = target.masked
        check_url(target.address, allow_loopback=self.allow_loopback)
        try:
            with guarded_client(self.client, resolver=self.resolver,
                                allow_loopback=self.allow_loopback) as client:
                r = client.post(target.address, json=payload(message),
                                headers={"Content-Type": "application/json",
                                         "X-Solesource-Message": message.key})
        except httpx.TimeoutException:
            return DeliveryResult(masked, False, retryable=True, error="timed out")
        except httpx.TransportError as exc:
            return DeliveryResult(masked, False, retryable=True, error=type(exc).__name__)
        body = r.text.strip()[:300]
        if r.status_code == 200:
            return DeliveryResult(masked, True, status=200)
        if r.status_code == 429:
            retry = r.headers.get("Retry-After")
            return DeliveryResult(masked, False, retryable=True, status=429, error=body,
                                  retry_after=float(retry) if retry and retry.isdigit() else None)
        if r.status_code >= 500:
            return DeliveryResult(masked, False, retryable=True, status=r.status_code, error=body)
        gone = r.status_code in (404, 410) or body in GONE
        if not gone:
            log.error("Slack refused a message (%s %s): %s", r.status_code, masked, body)
        return DeliveryResult(masked, False, retryable=False, status=r.status_code, error=body,
                              disable=gone)
