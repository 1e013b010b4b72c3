"""The spaCy pipeline: ``spacy.blank("en")`` + a sentencizer + an EntityRuler for company
names. No model download, ever: everything here ships with spaCy or with this package."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

SUFFIXES = ["inc", "inc.", "incorporated", "llc", "l.l.c.", "corp", "corp.", "corporation",
            "co.", "company", "ltd", "ltd.", "limited", "lp", "l.p.", "llp", "pllc", "gmbh",
            "plc", "p.c."]


@lru_cache(maxsize=1)
def pipeline() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    name_token = {"IS_TITLE": True, "OP": "+"}
    upper_token = {"IS_UPPER": True, "LENGTH": {">=": 2}, "OP": "+"}
    suffix = {"LOWER": {"IN": SUFFIXES}}
    comma = {"ORTH": ",", "OP": "?"}
    ruler.add_patterns([
        {"label": "ORG", "pattern": [name_token, comma, suffix]},
        {"label": "ORG", "pattern": [upper_token, comma, suffix]},
        {"label": "ORG", "pattern": [name_token, {"ORTH": "&"}, name_token, comma, suffix]},
    ])
    return nlp


@lru_cache(maxsize=2)
def _parse(text: str) -> Any:
    """One spaCy pass per text, shared by every field that needs it."""
    return pipeline()(text[:200_000])


def sentences(text: str) -> list[tuple[int, int]]:
    """spaCy's sentences, also split at blank lines: a heading or a form field above a
    paragraph is not part of its first sentence."""
    out = []
    for s in _parse(text).sents:
        start = s.start_char
        for m in _BLANK_LINE.finditer(text, s.start_char, s.end_char):
            if m.start() > start:
                out.append((start, m.start()))
            start = m.end()
        if s.end_char > start:
            out.append((start, s.end_char))
    return out


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def organizations(text: str) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.text) for e in _parse(text).ents if e.label_ == "ORG"]
