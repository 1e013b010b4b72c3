"""Agency normalisation against an editable alias table with hierarchy (data/agencies.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastscan import fast

TABLE = Path(__file__).resolve().parent.parent / "data" / "agencies.toml"


@dataclass(frozen=True)
class Agency:
    name: str
    parent: str | None
    patterns: tuple[re.Pattern[str], ...]
    # The words of each alias (lower case) and of each acronym (as written): an agency none
    # of whose aliases has all its words among a text's words cannot match it, so its
    # patterns are not even tried (see _may_occur).
    alias_words: tuple[frozenset[str], ...] = ()
    acronym_words: tuple[frozenset[str], ...] = ()


_WORD = re.compile(r"\w+")
# every ASCII byte that is not a word character (as re's \w has it) becomes a space
_APART = bytes(b if b >= 0x80 or chr(b).isalnum() or b == ord("_") else 32 for b in range(256))


def words_of(text: str) -> set[str]:
    r"""``set(re.findall(r"\w+", text))``, over twice as fast: ASCII punctuation becomes a
    space in one C pass, and only the pieces with other characters go through ``re``."""
    spaced = text.encode("utf-8", "surrogatepass").translate(_APART)
    out = set(spaced.decode("utf-8", "surrogatepass").split())
    for odd in [w for w in out if not w.isascii()]:
        out.discard(odd)
        out.update(_WORD.findall(odd))
    return out


@lru_cache(maxsize=4)
def load_table(path: Path = TABLE) -> dict[str, Agency]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table: dict[str, Agency] = {}
    for row in data.get("agency", []):
        names = "|".join(re.escape(a).replace(r"\ ", r"\s+")
                         for a in [row["name"], *row.get("aliases", [])])
        pats = [fast(re.compile(r"(?<![\w])(?:" + names + r")(?![\w])", re.I))]
        if row.get("acronyms"):
            pats.append(fast(re.compile(r"(?<![\w/])(?:" + "|".join(
                re.escape(a) for a in row["acronyms"]) + r")(?![\w])")))
        aliases = [row["name"], *row.get("aliases", [])]
        table[row["name"]] = Agency(
            row["name"], row.get("parent"), tuple(pats),
            tuple(frozenset(_WORD.findall(a.lower())) for a in aliases),
            tuple(frozenset(_WORD.findall(a)) for a in row.get("acronyms", [])))
    return table


# "GSA Schedule", "NASA SEWP", "NIH CIO-SP3": a contract vehicle named for the agency that
# runs it, which any agency orders from — not the agency buying
VEHICLE = re.compile(r"[\s'’s-]*(?:Multiple\s+Award\s+|Federal\s+Supply\s+|FSS\s+|IT\s+)?"
                     r"(?:Schedules?\b|MAS\b|Advantage|eBuy|SEWP|GWAC|CIO-SP|ITES|OASIS|"
                     r"Alliant|STARS|VETS\s+2|Polaris|contract\s+vehicle)", re.I)


def _first_as_buyer(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    for m in pattern.finditer(text):
        if not VEHICLE.match(text, m.end()):
            return m
    return None


def path_of(name: str, table: dict[str, Agency]) -> list[str]:
    out: list[str] = []
    while name and name in table and name not in out:
        out.insert(0, name)
        name = table[name].parent or ""
    return out


@dataclass
class _Index:
    """Each alias's words filed under the longest of them: only the aliases filed under a
    word of the text are looked at."""

    table: dict[str, Agency]  # (held, so that its id is not reused while filed here)
    words: dict[str, list[tuple[str, frozenset[str]]]]  # lower case: agency, alias words
    cased: dict[str, list[tuple[str, frozenset[str]]]]  # acronyms, as written
    always: frozenset[str]  # agencies with an alias of no words at all


_INDEXES: dict[int, _Index] = {}


def _index(table: dict[str, Agency]) -> _Index:
    if (found := _INDEXES.get(id(table))) is not None and found.table is table:
        return found
    index = _Index(table, {}, {}, frozenset(
        a.name for a in table.values()
        if any(not w for w in (*a.alias_words, *a.acronym_words))))
    for agency in table.values():
        for needs, filed in ((agency.alias_words, index.words),
                             (agency.acronym_words, index.cased)):
            for need in needs:
                if need:
                    filed.setdefault(max(need, key=len), []).append((agency.name, need))
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    _INDEXES[id(table)] = index
    return index


def _may_occur(text: str, table: dict[str, Agency]) -> set[str]:
    """The agencies with an alias all of whose words are words of ``text``."""
    index = _index(table)
    cased = words_of(text)
    words = set(map(str.lower, cased))
    out = set(index.always)
    for have, filed in ((words, index.words), (cased, index.cased)):
        for word in have & filed.keys():
            out.update(name for name, need in filed[word] if need <= have)
    return out


def normalize(text: str, table: dict[str, Agency] | None = None) -> dict[str, Any] | None:
    """The most specific agency mentioned earliest; ``name`` is the text as written."""
    table = table or load_table()
    hits: list[tuple[int, int, int, str, str]] = []
    possible = _may_occur(text, table)
    for agency in table.values():
        if agency.name not in possible:
            continue
        found = [m for m in (_first_as_buyer(p, text) for p in agency.patterns) if m]
        if found:
            m = min(found, key=lambda x: x.start())
            depth = len(path_of(agency.name, table))
            hits.append((m.start(), -depth, m.end(), agency.name, m.group(0)))
    if not hits:
        return None
    hits.sort()
    first = hits[0]
    # prefer a child agency named close to the first hit (e.g. "DHS ... ICE")
    nearby = [h for h in hits if h[0] - first[0] < 400 and
              first[3] in path_of(h[3], table)]
    best = min(nearby or [first], key=lambda h: (h[1], h[0]))
    return {"name": best[4], "normalized": best[3], "path": path_of(best[3], table)}


def matches(subscription_agency: str, agency_path: list[str],
            table: dict[str, Agency] | None = None) -> bool:
    """Does a filter on ``subscription_agency`` (any alias) cover an agency path?"""
    table = table or load_table()
    wanted = normalize(subscription_agency, table)
    return bool(wanted) and wanted["normalized"] in agency_path
