"""Stable addresses of pages in `solesource serve`, for links in emails, Slack and feeds."""

from __future__ import annotations

import re

SAFE = re.compile(r"[^A-Za-z0-9_ -]")


def tilde_encode(value: str) -> str:
    """Datasette's path encoding: letters, digits, _ and - kept, space as +, the rest ~XX."""
    encoded = SAFE.sub(lambda m: "".join(f"~{b:02X}" for b in m.group(0).encode("utf-8")), value)
    return encoded.replace(" ", "+")


def notice_path(notice_id: str) -> str:
    """``/-/notice/<id>``: redirects to the justification page, or to the notice that
    superseded it, or to the notice's row."""
    return f"/-/notice/{tilde_encode(notice_id)}"


def notice_row_path(notice_id: str) -> str:
    """``/solesource/notices/<id>``: that notice itself, even when a later notice superseded
    it (``notice_path`` would follow the chain to the latest)."""
    return f"/solesource/notices/{tilde_encode(notice_id)}"
