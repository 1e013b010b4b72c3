"""Values that cross the extractors boundary. ``monitor`` converts its rows into these."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    number: int | None  # 1-based; None for formats without pages (DOCX, HTML, plain text)
    text: str
    method: str  # "text", "ocr", "docx", "html", "plain"


@dataclass
class Document:
    """The text of one document, page by page, and what went wrong reading it."""

    pages: list[Page] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    media_type: str = "text/plain"
    name: str = ""
    status: str = "ok"  # ok | partial | unreadable | too_large | encrypted | timeout

    def __post_init__(self) -> None:
        self._text: str | None = None
        self._starts: list[int] = []

    @classmethod
    def from_text(cls, text: str, name: str = "") -> Document:
        return cls(pages=[Page(None, text, "plain")], name=name)

    @property
    def text(self) -> str:
        """All pages joined by blank lines; evidence offsets point into this string."""
        if self._text is None:
            parts, starts, pos = [], [], 0
            for page in self.pages:
                starts.append(pos)
                parts.append(page.text)
                pos += len(page.text) + 2
            self._text, self._starts = "\n\n".join(parts), starts
        return self._text

    def page_at(self, offset: int) -> int | None:
        _ = self.text
        if not self._starts:
            return None
        return self.pages[max(0, bisect.bisect_right(self._starts, offset) - 1)].number

    def page_method(self, offset: int) -> str | None:
        _ = self.text
        if not self._starts:
            return None
        return self.pages[max(0, bisect.bisect_right(self._starts, offset) - 1)].method

    def evidence(self, start: int, end: int, focus: tuple[int, int] | None = None
                 ) -> dict[str, Any]:
        """The quote [start, end). On OCR'd pages the quote narrows to ``focus`` (the value
        itself), since a whole OCR'd sentence rarely matches the published text verbatim."""
        if focus is not None and self.page_method(focus[0]) == "ocr":
            start, end = focus
        _ = self.text
        if self._starts and len(self.pages) > 1:  # a quote never runs into the next page
            anchor = focus[0] if focus is not None else start
            i = max(0, bisect.bisect_right(self._starts, anchor) - 1)
            page_start = self._starts[i]
            page_end = page_start + len(self.pages[i].text)
            start, end = max(start, page_start), min(end, page_end)
        if focus is not None:
            start, end = _layout_line(self.text, start, end, focus)
        elif self.page_method(start) == "ocr":
            start, end = _clean_run(self.text, start, end)
        return {"quote": self.text[start:end], "page": self.page_at(start), "start": start,
                "end": end}


def _layout_line(text: str, start: int, end: int, focus: tuple[int, int]) -> tuple[int, int]:
    """A "sentence" of short layout lines (a letterhead, a signature block) is narrowed to the
    line(s) holding the value: other text extractors order such lines differently, and the
    quote must be found verbatim in any faithful rendering of the page."""
    quote = text[start:end]
    lines = quote.split("\n")
    if len(lines) < 3 or len(quote) / len(lines) >= 45 or _wrapped_prose(lines):
        return start, end
    lo = max(start, text.rfind("\n", start, focus[0]) + 1)
    hi = text.find("\n", focus[1], end)
    return lo, end if hi < 0 else hi


_KEY_LINE = re.compile(r"\s*[a-z_]+:(?:\s|$)")  # "publication_date: 2022-03-08": metadata


def _wrapped_prose(lines: list[str]) -> bool:
    """Narrow columns of running text (a Federal Register page), not a layout: most lines end
    on a lowercase word, a comma or a hyphen, or the next goes on with a lowercase word.
    Every faithful rendering keeps such lines in order: the whole sentence can be quoted."""
    joins = [(a.rstrip(), b.lstrip()) for a, b in zip(lines, lines[1:], strict=False)
             if a.strip() and b.strip() and not _KEY_LINE.match(a) and not _KEY_LINE.match(b)]
    going_on = sum(b[0].islower() or a[-1] in ",-" or a.split()[-1].islower()
                   for a, b in joins)
    return bool(joins) and going_on * 2 > len(joins)


# a word as OCR reads it cleanly: letters (one capital at most, first), digits, money, dates,
# citations, with ordinary punctuation after it
_CLEAN_WORD = re.compile(r"[(\"“]?(?:[A-Z]?[a-z]+(?:-[a-z]+)*|[A-Z]{2,}|\$?[\d][\d,./()-]*|"
                         r"[A-Z]\.|&)[)\"”]?[.,;:]?")
_GLUED = re.compile(r"\w-(?:or|and|nor)\b")  # "Supplies-or": a space OCR read as a hyphen
MIN_CLEAN_WORDS = 6


def _clean_run(text: str, start: int, end: int) -> tuple[int, int]:
    """On an OCR'd page, the longest run of cleanly read words in [start, end) (six at
    least), since a stray mark anywhere keeps a whole sentence from matching the published
    text; else the whole span."""
    best = (0, start, end)
    run_start: int | None = None
    count = 0
    for m in re.finditer(r"\S+", text[start:end]):
        if _CLEAN_WORD.fullmatch(m.group()) and not _GLUED.search(m.group()):
            if run_start is None:
                run_start, count = m.start(), 0
            count += 1
            if count > best[0]:
                best = (count, start + run_start, start + m.end())
        else:
            run_start, count = None, 0
    return (best[1], best[2]) if best[0] >= MIN_CLEAN_WORDS else (start, end)

