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


def agency_path(name: str) -> str:
    """``/-/agency/<name>``: an agency's page (any spelling redirects to its normalized name)."""
    return f"/-/agency/{tilde_encode(name)}"


def vendor_path(name: str) -> str:
    """``/-/vendor/<name>``: a vendor's page (a name, a UEI or its group)."""
    return f"/-/vendor/{tilde_encode(name)}"
