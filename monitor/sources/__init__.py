"""The seam where a source plugs in: a class with ``name`` and ``poll(ctx)``.

Built-ins register through the same door as plugins (entry point group
``solesource.sources``), Datasette-style. What a source works with (``PollContext``,
``RunStats``, ``Source``) lives in ``monitor.sources.base``: a source imports that module,
never this package, so the registry here can import the sources without an import cycle.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from monitor.sources.base import NoProgress, PollContext, Progress, RunStats, Source

__all__ = ["NoProgress", "PollContext", "Progress", "RunStats", "Source", "builtin_sources",
           "load_sources"]


def builtin_sources() -> dict[str, type[Source]]:
    from monitor.sources.federal_register import FederalRegister, Feeds
    from monitor.sources.samgov import SamGov

    return {"samgov": SamGov, "federal_register": FederalRegister, "feeds": Feeds}


def load_sources() -> dict[str, type[Source]]:
    found = {ep.name: ep.load() for ep in entry_points(group="solesource.sources")}
    return builtin_sources() | found
