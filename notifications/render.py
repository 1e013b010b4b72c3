"""Jinja2 templates; every document string is escaped in HTML."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.types import Message


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("notifications", "templates"),
                      autoescape=select_autoescape(["html", "html.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda v: "" if v is None else f"${v:,.0f}"
    return env


def render(message: Message, name: str) -> str:
    return environment().get_template(name).render(m=message, groups=message.by_agency())
