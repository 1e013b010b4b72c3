"""Faster whole-document scans: RE2 finds where a pattern could match, ``re`` confirms.

Python's ``re`` tries a pattern at every position of a document, and for the
case-insensitive phrase patterns the field extractors use that costs 15–50 ns a character
each: with dozens of patterns, scanning was most of extraction time. RE2 (google-re2, a
DFA) scans for the same phrase in ~1.5 ns a character but has no lookarounds and reads
``\\w``, ``\\s`` and ``\\b`` as ASCII. So each pattern gets a *looser* RE2 twin — the same
pattern with lookarounds and anchors dropped, case rules and character classes widened to
cover Python's — which matches wherever the original can start (and some places it
cannot). The twin proposes start positions; the original ``re`` pattern, tried only there,
decides. Matches, groups and spans are exactly those of ``re``: :func:`fast` wraps a
compiled pattern, and ``tests/test_scan.py`` checks the equivalence and the widened classes.

The patterns every document is read with (``fast(p, documents=True)``) go further: one
Hyperscan pass finds where *each* of them can start, in less time than RE2 takes for a dozen
of them one by one. Hyperscan reports where matches end, so it reads the text reversed, with
each twin mirrored: a mirrored match ends where the twin starts. The text is folded to one
byte a character first (non-ASCII as 0x80, and ſ, K, İ, ı as the ASCII letters re's case rules
equate them with), which keeps offsets as characters and the twins' classes small. Where
Hyperscan is missing (no wheel for Linux on ARM) or refuses a pattern, RE2 does that pattern's
scans; the matches are the same either way, and ``tests/test_scan.py`` checks both.

    from fastscan import fast
    SOLE = fast(re.compile(r"sole[- ]source", re.I), documents=True)

``fast`` is the package's one public function; ``SOLE`` then behaves as the compiled pattern
it wraps, with the same matches. It imports nothing of solesource.
"""

from fastscan._engine import configure, fast

__all__ = ["configure", "fast"]
