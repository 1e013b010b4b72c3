"""The spaCy pipeline: ``spacy.blank("en")`` + a sentencizer + an EntityRuler for company
names. No model download, ever: everything here ships with spaCy or with this package."""

from __future__ import annotations

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


def sentences(text: str) -> list[tuple[int, int]]:
    doc = pipeline()(text[:200_000])
    return [(s.start_char, s.end_char) for s in doc.sents]


def organizations(text: str) -> list[tuple[int, int, str]]:
    doc = pipeline()(text[:200_000])
    return [(e.start_char, e.end_char, e.text) for e in doc.ents if e.label_ == "ORG"]
