"""The spaCy pipeline: ``spacy.blank("en")`` + an EntityRuler for company names. No model
download, ever: everything here ships with spaCy or with this package.

Speed: tokenizing a whole document costs more than reading its PDF, so spaCy never sees a
whole document. Sentences come from spaCy's own sentencizer rule (a sentence ends at a
sentence-final mark that is a token of its own) applied with spaCy's abbreviation list to the
raw text; the EntityRuler runs only on the lines where a company suffix occurs, since every
ORG pattern ends in one and no name crosses a line break.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastscan import fast

SUFFIXES = ["inc", "inc.", "incorporated", "llc", "l.l.c.", "corp", "corp.", "corporation",
            "co.", "company", "ltd", "ltd.", "limited", "lp", "l.p.", "llp", "pllc", "gmbh",
            "plc", "p.c."]
WINDOW = 400  # characters of a line read back from a suffix (longer names are not names)


@lru_cache(maxsize=1)
def pipeline() -> Any:
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    name_token = {"IS_TITLE": True, "OP": "+"}
    upper_token = {"IS_UPPER": True, "LENGTH": {">=": 2}, "OP": "+"}
    suffix = {"LOWER": {"IN": SUFFIXES}}
    comma = {"ORTH": ",", "OP": "?"}
    hyphenated = [{"IS_TITLE": True}, {"ORTH": "-"}, {"IS_TITLE": True}]  # "A-Team"
    ruler.add_patterns([
        {"label": "ORG", "pattern": [name_token, comma, suffix]},
        {"label": "ORG", "pattern": [*hyphenated, {"IS_TITLE": True, "OP": "*"}, comma,
                                     suffix]},
        {"label": "ORG", "pattern": [upper_token, comma, suffix]},
        {"label": "ORG", "pattern": [name_token, {"ORTH": "&"}, name_token, comma, suffix]},
    ])
    return nlp


@lru_cache(maxsize=1)
def _sentence_end() -> re.Pattern[str]:
    """A sentence-final mark standing as a token of its own, then closing punctuation."""
    from spacy.pipeline.sentencizer import Sentencizer

    marks = "".join(re.escape(c) for c in Sentencizer.default_punct_chars if len(c) == 1)
    closing = "\"'”’)\\]"
    # then a space, the end, or a symbol glued on ("escape.\ufffd Within", "end.• Next")
    follows = r"(?=\s|$|[^\w\s.,;:!?()\[\]\"'“”‘’/%$&*+=<>@#-])"
    return fast(re.compile(rf"[{marks}]+[{closing}]*{follows}"), documents=True)


fast(_sentence_end, documents=True)  # built on first use, compiled with the rest


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    """Words spaCy keeps whole with their final period ("Inc.", "Jan.", "Mr.")."""
    return frozenset(k for k in pipeline().tokenizer.rules if k.endswith("."))


_OPENING = frozenset("([\"'“‘")


def _word_before(text: str, at: int) -> str:
    r"""The characters before ``at`` back to a space or an opening mark (at most 40); before
    a line break just before ``at``, those before it (as ``[^\s…]*$`` reads)."""
    lo = max(0, at - 40)
    end = at - 1 if at > lo and text[at - 1] == "\n" else at
    start = end
    while start > lo and not (text[start - 1].isspace() or text[start - 1] in _OPENING):
        start -= 1
    return text[start:end]


_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")  # J.  U.S.C.  e.g.


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    if m.group()[0] != "." or len(m.group()) > 1 and m.group()[1] in ".!?":
        return True
    token = _word_before(text, m.start()) + "."
    return not (token in _abbreviations() or _INITIALS.fullmatch(token))


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentences (start, end), also split at blank lines: a heading or a form field above a
    paragraph is not part of its first sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _sentence_end().finditer(text):
        if _ends_sentence(text, m):
            _add(text, start, m.end(), out)
            start = m.end()
    _add(text, start, len(text), out)
    return out


def _add(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    for m in _BLANK_LINE.finditer(text, start, end):
        if m.start() > start:
            _push(text, start, m.start(), out)
        start = m.end()
    if end > start:
        _push(text, start, end, out)


def _push(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and (text[start].isspace() or text[start] in _BULLETS):
        start += 1
    if end > start:
        out.append((start, end))


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
# a line of running prose broken without punctuation: the sentence, and maybe a name, goes on
_WRAPPED = re.compile(r"[^\n]{50,}[^\W_][ \t]*\n\Z")


def _unwrap(window: str) -> tuple[str, list[int]]:
    """Line breaks inside wrapped prose become one space; with each character's offset in
    ``window``, so that entities map back."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for m in _LINE_BREAK.finditer(window):
        out.append(window[last: m.start()])
        where.extend(range(last, m.start()))
        out.append(" ")
        where.append(m.start())
        last = m.end()
    out.append(window[last:])
    where.extend(range(last, len(window) + 1))
    return "".join(out), where


def _name_start(text: str, start: int, end: int) -> int:
    """A name carried over a line break brings at most three words from the line above, and
    only its last word when there were more: those were a form's labels, not the name."""
    brk = text.rfind("\n", start, end)
    if brk < 0:
        return start
    above = list(_WORD.finditer(text, start, brk))
    if len(above) <= 3:
        return start
    return above[-1].start()


_BULLETS = "\ufffd•●▪◦‣∙·"  # a bullet or an unmapped glyph does not open a sentence
_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile(r"(?<=[^\W_])[ \t]*\n[ \t]*(?=[^\W_])")
_SUFFIX = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(s) for s in SUFFIXES) +
                     r")(?![\w])", re.I)
_SUFFIX = fast(_SUFFIX, documents=True)


def _named_before(text: str, at: int) -> bool:
    """Whether the word before a suffix at ``at`` (past one comma) can be a name's last token:
    every ORG pattern puts a title-case or upper-case token there, so that word has a capital."""
    words = text[max(0, at - 120): at].rstrip().removesuffix(",").split()
    return bool(words) and any(c.istitle() for c in words[-1])


def organizations(text: str) -> list[tuple[int, int, str]]:
    """Company names with a legal suffix, by the EntityRuler over the lines holding one."""
    windows: list[tuple[int, int]] = []
    for m in _SUFFIX.finditer(text):
        if not _named_before(text, m.start()):
            continue  # "the company", "a limited": no pattern can end here
        line = text.rfind("\n", 0, m.start())
        if line > 0 and _WRAPPED.search(text, max(0, line - 60), line + 1):
            line = text.rfind("\n", 0, line)  # a name wrapped onto this line: read both
        lo = max(line + 1, m.start() - WINDOW)
        if lo > 0 and not text[lo - 1].isspace():
            space = text.find(" ", lo, m.start())
            lo = space + 1 if space >= 0 else m.start()
        hi = m.end() + 1 if text[m.end(): m.end() + 1] == "." else m.end()
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    out = []
    unwrapped = [_unwrap(text[lo:hi]) for lo, hi in windows]
    docs = pipeline().pipe(u for u, _where in unwrapped)
    for (lo, _hi), (_u, where), doc in zip(windows, unwrapped, docs, strict=True):
        for e in doc.ents:
            if e.label_ == "ORG":
                start, end = lo + where[e.start_char], lo + where[e.end_char - 1] + 1
                start = _name_start(text, start, end)
                out.append((start, end, text[start:end]))
    return out
