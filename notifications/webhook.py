"""Generic signed webhooks: a versioned JSON payload, Idempotency-Key, a timestamp and an
HMAC-SHA256 signature over "<timestamp>.<body>". Redirects are never followed.

Receivers verify with::

    expected = hmac.new(secret, f"{ts}.{body}".encode(), sha256).hexdigest()
    hmac.compare_digest(header.removeprefix("sha256="), expected)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict
from typing import Any, ClassVar

import httpx

from notifications.base import Target
from notifications.targets import Resolver, check_url, guarded_client
from notifications.types import ConfigurationError, DeliveryResult, Message

PAYLOAD_VERSION = "1"


def body(message: Message, sent_at: float) -> dict[str, Any]:
    return {
        "version": PAYLOAD_VERSION,
        # one award event a message ("solesource.award_event"), else justifications
        "type": "solesource.award_event" if message.items and all(
            i.kind == "award" for i in message.items) else "solesource.justifications",
        "id": message.key,
        "sent_at": int(sent_at),
        "subscription": message.subscription_id,
        "items": [asdict(i) | {"amount_text": i.amount_text} for i in message.items],
    }


def sign(secret: str, timestamp: str, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, raw: bytes, signature: str,
           tolerance: float = 300.0, now: float | None = None) -> bool:
    """For receivers (and our tests): a valid, fresh signature."""
    now = time.time() if now is None else now
    if abs(now - float(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, raw), signature)


class WebhookNotifier:
    """Posts signed JSON. ``client`` lends its timeout, headers and hooks; the post goes
    through the target guard (notifications.targets): the host is resolved once, every
    address checked, and the connection made to a checked address. ``resolver`` is for
    tests; ``allow_loopback`` lets 127.0.0.1 through (tests, the demo)."""

    channel: ClassVar[str] = "webhook"

    def __init__(self, client: httpx.Client | None = None, clock: Any = time.time, *,
                 resolver: Resolver | None = None, allow_loopback: bool = False) -> None:
        self.client = client
        self.clock = clock
        self.resolver = resolver
        self.allow_loopback = allow_loopback

    def send(self, message: Message, target: Target) -> DeliveryResult:
        """The result of one post; raises RefusedTarget when the URL may not be sent to."""
        masked = target.masked
        if not target.secret:
            raise ConfigurationError("webhook without a signing secret")
        check_url(target.address, allow_loopback=self.allow_loopback)
        now = self.clock()
        raw = json.dumps(body(message, now), ensure_ascii=False).encode()
        ts = str(int(now))
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key,
                   "X-Solesource-Timestamp": ts,
                   "X-Solesource-Signature": sign(target.secret, ts, raw)}
        try:
            with guarded_client(self.client, resolver=self.resolver,
                                allow_loopback=self.allow_loopback) as client:
                r = client.post(target.address, content=raw, headers=headers)
        except httpx.TimeoutException:
            return DeliveryResult(masked, False, retryable=True, error="timed out")
        except httpx.TransportError as exc:
            return DeliveryResult(masked, False, retryable=True, error=type(exc).__name__)
        if 200 <= r.status_code < 300:
            return DeliveryResult(masked, True, status=r.status_code)
        text = r.text.strip()[:300]
        if r.is_redirect:
            return DeliveryResult(masked, False, status=r.status_code,
                                  error="redirects are not followed; update the webhook URL")
        if r.status_code == 429 or r.status_code >= 500 or r.status_code == 408:
            retry = r.headers.get("Retry-After")
            return DeliveryResult(masked, False, retryable=True, status=r.status_code,
                                  error=text, retry_after=float(retry)
                                  if retry and retry.isdigit() else None)
        return DeliveryResult(masked, False, status=r.status_code, error=text,
                              disable=r.status_code in (404, 410))
