"""One small exception tree for everything that talks to a source."""

from __future__ import annotations

from datetime import datetime


class SourceError(Exception):
    """A source could not be read this time. The message is safe to log (no secrets)."""


class RateLimited(SourceError):
    def __init__(self, message: str, until: datetime | None):
        super().__init__(message)
        self.until = until


class BudgetExhausted(SourceError):
    """Our own ledger says the key's daily budget is spent: wait for 00:00 UTC."""

    def __init__(self, message: str, until: datetime | None = None):
        super().__init__(message)
        self.until = until


class Unavailable(SourceError):
    """5xx, timeouts, dropped connections: try again on the next run."""


class BadPayload(SourceError):
    """The body was not what the API promises (HTML challenge page, malformed JSON)."""


class AuthError(SourceError):
    """The API key is missing or rejected. Not retried."""
