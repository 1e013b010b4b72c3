"""Where a company's name starts and ends, read word by word from a known edge.

A cue phrase tells where a vendor's name *starts* ("…intends to award a contract to ▮ZQT
Restoration, LLC for…"); a role phrase tells where it *ends* ("K + T INTERNATIONAL INC.▮ is
the only source"). These functions walk the words from that edge and stop where a name
cannot go on, instead of matching a whole-name pattern that may start in the wrong place.

    >>> text = "The Government intends to award to ZQT Restoration, LLC for the work."
    >>> start, end = name_after(text, text.index("ZQT"))
    >>> text[start:end]
    'ZQT Restoration, LLC'
    >>> text = "2. Queen Street Limousine is the only source."
    >>> [text[s:e] for s, e in names_before(text, text.index(" is"))]
    ['Queen Street Limousine']

What a name is made of (each shape is generated in ``tests/test_names.py``):

- words that start with a capital or a digit ("Acme", "ZQT", "3M", "L3Harris", "FHI360"),
  joined by symbols or not ("K + T", "A&B", "E-Z-GO", "O'Neil"), or with a capital inside a
  lowercase start ("iRobot", "eBay");
- small words between such words: "of", "and", "&", "+", "de", "la", "the", "for", "on",
  "in", "at" ("The Regents of the University of California", "Center for Naval Analyses",
  "Christmas in April USA"); in ALL CAPS text only "OF", "AND", "&", "+", "THE" (an upper-case
  "FOR THE REPAIR" is not part of a name);
- a lowercase brand only where a legal suffix follows it ("zenlytic, LLC");
- at most one legal suffix, which ends the name ("Acme Inc." of "Acme Inc. of Denver"), also
  after a comma or a line break ("Bronx Community Health Network,\\nInc.").

A name stops at a sentence's end (a period that is no abbreviation's), a lowercase word, a
comma not followed by a suffix, a bracket, a colon or semicolon, or a line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_WORDS = 12
SUFFIXES = {
    "inc", "inc.", "incorporated", "llc", "llc.", "l.l.c.", "l.l.c", "corp", "corp.",
    "corporation", "co.", "company", "ltd", "ltd.", "limited", "lp", "l.p.", "llp", "pllc",
    "p.c.", "pbc", "gmbh", "ag", "s.a.", "n.v.", "a/s", "plc", "s.p.a.", "b.v.", "pty",
    "pty.", "ltda", "ltda.", "sa", "sas", "s.a.s.", "oy", "ab", "kg", "ulc",
}
# suffixes that are also ordinary words: only a suffix after a name word in the same case run
CONNECT = {"of", "and", "&", "+", "de", "del", "la", "le", "du", "der", "von", "van", "the",
           "for", "on", "in", "at", "y", "e"}
CONNECT_CAPS = {"OF", "AND", "&", "+", "THE", "DE"}
# a word ending in one of these and a period is not a sentence's end
ABBREV = {"inc", "corp", "co", "ltd", "dr", "mr", "mrs", "ms", "st", "mt", "jr", "sr", "ft",
          "no", "bros", "assoc", "intl", "mfg", "svcs", "natl", "univ", "dept", "l.l.c",
          "l.p", "p.c", "s.a", "n.v", "u.s", "u.s.a", "d.c"}
WORD = re.compile(r"[^\s,;:()\[\]{}<>\"“”]+")
# markup a notice's HTML leaves between words: "to <strong>MALVERN PANALYTICAL</strong>",
# "with&nbsp;Daikin Applied": read as a space
MARKUP = re.compile(r"<[^<>\n]{0,60}>|&(?:nbsp|#160|#xa0);", re.I)
TOKEN = re.compile(MARKUP.pattern + r"|" + WORD.pattern, re.I)
QUOTES = "\"“”'‘’"
CITATION = re.compile(r"[ \t]+(?:Part\s+|Subpart\s+|§\s*)?\d+\.\d")


def _is_suffix(word: str) -> bool:
    """A legal suffix as written, also at a sentence's end ("Corporation.")."""
    low = word.lower().rstrip(",")
    return low in SUFFIXES or low.rstrip(".") in SUFFIXES


def _name_word(word: str) -> bool:
    """A word that can carry a name: a capital or digit first, or a capital inside."""
    core = word.strip(QUOTES).rstrip(".")
    if not core:
        return False
    if core[0].isupper() or core[0].isdigit():
        return any(c.isalpha() for c in core) or len(core) >= 2 and core.isdigit()
    return core[0].islower() and any(c.isupper() for c in core[1:]) and core[:1].isalpha()


def _ends_sentence(word: str, following: str) -> bool:
    """Whether ``word`` (as written, with its punctuation) ends a sentence."""
    if not word.endswith("."):
        return False
    stem = word[:-1].lower().strip(QUOTES)
    if stem in ABBREV or len(stem) == 1 or re.fullmatch(r"(?:[a-z]\.)+[a-z]", stem):
        return False  # "Dr.", "K.", "U.S.", "L.L.C."
    return not following[:1].islower()


def _words(text: str, pos: int, end: int) -> Iterator[tuple[int, int]]:
    for m in TOKEN.finditer(text, pos, end):
        if not MARKUP.fullmatch(m.group()):
            yield m.start(), m.end()


def name_after(text: str, pos: int, limit: int = 160) -> tuple[int, int] | None:
    """The name that starts at ``pos`` (after leading spaces and quotes), as (start, end).

    None when no name starts there."""
    end_of_window = min(len(text), pos + limit)
    while pos < end_of_window:
        if text[pos] in " \t" or text[pos] in QUOTES:
            pos += 1
        elif markup := MARKUP.match(text, pos):
            pos = markup.end()
        else:
            break
    words = list(_words(text, pos, end_of_window))
    if not words or words[0][0] != pos:
        return None
    start = pos
    caps = None  # whether the name is written in capitals, once known
    last_name_end: int | None = None
    i = 0
    while i < len(words) and i < MAX_WORDS:
        s, e = words[i]
        if i:
            if not _gap_ok(text, words[i - 1][1], s):
                break
        word = text[s:e]
        bare = word.rstrip(".")
        if i and _is_suffix(word) and last_name_end is not None:
            return start, _suffix_end(text, s, e)
        if _name_word(word):
            if caps is None and any(c.isalpha() for c in bare):
                caps = bare.isupper()
            last_name_end = e if not _ends_sentence(word, text[e:].lstrip()) else e - 1
            if last_name_end != e:
                break
        elif i == 0 and word.islower() and _suffix_follows(text, words, i):
            last_name_end = e  # "zenlytic, LLC"
        elif i and _connector(word, caps) and i + 1 < len(words):
            pass  # kept only if a name word follows
        elif i == 0 and word.lower() == "the":
            pass
        else:
            break
        i += 1
    if last_name_end is None or last_name_end <= start:
        return None
    if CITATION.match(text, last_name_end):
        return None  # "MMAR 6.302-1", "DFARS 206.302": a regulation, not a company
    if text[start:last_name_end].lower() in {"the"}:
        return None
    return start, last_name_end


def _gap_ok(text: str, left: int, right: int) -> bool:
    """Whether the characters in ``text[left:right]``, between two words, let the name go on
    to the word at ``right``."""
    gap = MARKUP.sub(" ", text[left:right])
    m = WORD.match(text, right)
    word = m.group() if m else ""
    if re.fullmatch(r"[ \t]+", gap):
        return True
    if re.fullmatch(r",?[ \t]*\n?[ \t]*", gap) and _is_suffix(word):
        return True  # "Acme, Inc.", "Network,\nInc."
    if re.fullmatch(r"[ \t]*\n[ \t]*", gap):
        return _wrapped(text, left, right, word)
    return False


def _wrapped(text: str, left: int, right: int, word: str) -> bool:
    """A line break inside running text — a long line wrapped in a name ("…to Deployed\n
    Resources, 1729 N George St.") — not the end of a field's short line ("Contractor:
    Acme\nAddress:")."""
    line_start = text.rfind("\n", 0, left) + 1
    if left - line_start < 50 or not _name_word(word) or word.endswith(":"):
        return False
    nxt = text[right + len(word): right + len(word) + 2]
    return not nxt.startswith(":")


def _suffix_follows(text: str, words: list[tuple[int, int]], i: int) -> bool:
    if i + 1 >= len(words):
        return False
    s, e = words[i + 1]
    return _gap_ok(text, words[i][1], s) and _is_suffix(text[s:e])


def _suffix_end(text: str, s: int, e: int) -> int:
    """The end of a suffix word: "Inc." keeps its period, "LLC." at a sentence end does not."""
    word = text[s:e]
    if word.endswith(".") and word.lower().rstrip(".") not in {"inc", "corp", "co", "ltd",
                                                               "l.l.c", "l.p", "p.c", "s.a",
                                                               "n.v", "s.p.a", "b.v", "pty",
                                                               "ltda", "s.a.s"}:
        return e - 1
    return e


def _connector(word: str, caps: bool | None) -> bool:
    """A small joining word, as written: lowercase ones join any name ("AAA of Denver"),
    capital ones only a name in capitals ("BANK OF AMERICA", not "Acme FOR")."""
    return word in CONNECT or bool(caps) and word in CONNECT_CAPS


def names_before(text: str, pos: int, limit: int = 160) -> list[tuple[int, int]]:
    """The name that ends at ``pos`` (before trailing spaces), as a list of one (start, end)
    or an empty list.

    Read back word by word from ``pos`` until a name cannot go on. Only the longest reading
    is offered: dropping a head that disqualifies it ("JUSTIFICATION REVIEW DOCUMENT
    NATIONAL GUARD BUREAU") would make a vendor of what is left."""
    lo = max(0, pos - limit)
    while pos > lo and text[pos - 1] in " \t":
        pos -= 1
    if pos > lo and text[pos - 1] == ",":
        pos -= 1  # "Deployed Resources, 1729 N George St."
    words = list(_words(text, lo, pos))
    if not words or words[-1][1] != pos:
        return []
    end = pos
    if text[end - 1] in QUOTES:
        end -= 1
    last_word = text[words[-1][0]: end]
    if last_word.endswith(".") and not _is_suffix(last_word) and not re.fullmatch(
            r"(?:[A-Z]\.)+", last_word):
        return []  # a sentence's end, not a name's
    starts: list[int] = []
    caps = None
    j = len(words) - 1
    suffix_seen = False
    while j >= 0 and len(words) - j <= MAX_WORDS:
        s, e = words[j]
        word = text[s:e].strip(QUOTES) if j == len(words) - 1 else text[s:e]
        if j < len(words) - 1:
            if not _gap_ok(text, e, words[j + 1][0]):
                break
            if _ends_sentence(text[s:e], text[words[j + 1][0]:]):
                break
        if _is_suffix(word) and j == len(words) - 1:
            suffix_seen = True
            j -= 1
            continue
        if _name_word(word):
            if caps is None and any(c.isalpha() for c in word):
                caps = word.rstrip(".").isupper()
            if re.fullmatch(r"\(?\d{1,3}[.)]|[A-Za-z][.)]", word) and j < len(words) - 1:
                break  # "2." numbering a paragraph
            starts.append(s)
        elif suffix_seen and j == len(words) - 2 and word.islower() and word.isalpha():
            starts.append(s)  # "zenlytic, LLC"
            break
        elif starts and _connector(word, caps):
            pass
        else:
            break
        j -= 1
    return [(starts[-1], end)] if starts else []
