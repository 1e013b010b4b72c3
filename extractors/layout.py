"""Checkboxes drawn as vector graphics, read with pdfplumber.

A form that lists every FAR exception with a box beside each, and ticks one by drawing an X
or a check mark inside its box, has no tick in its text layer: pypdfium2 (like any text
extractor) sees only the list. pdfplumber sees the drawing. It is slow (7–22 pages/s against
pypdfium2's 500+), so it only opens the pages that need it: those whose text lists options to
choose from and shows no tick, and whose page objects (looked at through pypdfium2) include a
small square with something inside it. The boxes found are written into the page text as ☒ and ☐
before the words they stand beside, where the field rules already look for them.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from fastscan import fast

log = logging.getLogger(__name__)

TICK_CHARS = re.compile(r"[☒☑■✔✓✗✘]|\(\s*[xX✓]\s*\)|\[\s*[xX✓]\s*\]")
# a list of choices: several FAR exceptions, or a form that says to tick one
CHOICES = re.compile(r"\b6\.(?:302|103)-[1-7]\b|check\s+(?:one|all|the\s+(?:appropriate|"
                     r"applicable))|\(check\b", re.I)
CHOICES = fast(CHOICES)
TICK_CHARS = fast(TICK_CHARS)
BOX_SIZE = (4.0, 18.0)  # points: a checkbox, not a table cell or a page frame
MARK_CHARS = set("xX✓✔✗✘☒☑●■•vü")  # Wingdings ü is a check mark
MAX_PATHS = 2000  # more drawn objects than a form has: the square-in-square look would cost
MAX_PAGES = 6  # a long document's appendix of forms is not worth a slow reader


@dataclass(frozen=True)
class Box:
    ticked: bool
    label: str  # the words to the right of the box, on its line


def needs_layout(text: str) -> bool:
    """A page listing choices with no tick in its text layer."""
    if "6.302-" not in text and "6.103-" not in text and "check" not in text.lower():
        return False  # neither choice can be on the page: most pages stop here
    if TICK_CHARS.search(text):
        return False
    hits = CHOICES.findall(text)
    return len(set(hits)) >= 3 or any(h.lower().startswith(("check", "(check")) for h in hits)


def boxes(pdf: Any, index: int) -> list[Box]:
    """The checkboxes drawn on one page of an open pdfplumber PDF, ticked or not."""
    page = pdf.pages[index]
    try:
        squares = [r for r in page.rects if _is_box(r)]
        if not squares:
            return []
        marks = [*page.lines, *page.curves]
        chars = [c for c in page.chars if c.get("text") in MARK_CHARS]
        words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
        out = []
        for box in _distinct(squares):
            ticked = any(_inside(m, box) for m in marks) or any(
                _inside(c, box, centre=True) for c in chars) or _filled_inside(page, box)
            label = _label(words, box)
            if label:
                out.append(Box(ticked, label))
        return out
    finally:
        page.close()


def mark_boxes(text: str, found: list[Box]) -> str:
    """Write ☒/☐ before each box's label in the page text (when the label can be found)."""
    if not any(b.ticked for b in found):
        return text  # boxes with no tick drawn: nothing learnt
    for box in found:
        words = box.label.split()
        pattern = r"\s+".join(re.escape(w) for w in words)
        m = re.search(r"(?<![☒☐] )" + pattern, text)
        if m:
            text = f"{text[: m.start()]}{'☒' if box.ticked else '☐'} {text[m.start():]}"
    return text


def read_ticks(data: bytes, texts: list[str], wanted: list[int]) -> list[str]:
    """``texts`` (one per page) with drawn checkboxes marked on the ``wanted`` pages (those
    :class:`DrawnBoxes` chose while the text was read)."""
    if not wanted:
        return texts
    try:
        import pdfplumber

        out = list(texts)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in wanted:
                found = boxes(pdf, i)
                if found:
                    out[i] = mark_boxes(out[i], found)
        return out
    except Exception as exc:  # layout is a bonus: the text layer stands without it
        log.info("checkbox layout not read: %s: %s", type(exc).__name__, exc)
        return texts


class DrawnBoxes:
    """The pages pdfplumber should read, chosen while pypdfium2 has each page open for its
    text: the first MAX_PAGES that list choices with no tick, if something is drawn in a
    small square on them."""

    def __init__(self) -> None:
        self.listing = 0
        self.pages: list[int] = []

    def look(self, page: Any, index: int, text: str) -> None:
        if self.listing < MAX_PAGES and needs_layout(text):
            self.listing += 1
            if worth_reading(page, index):
                self.pages.append(index)


def worth_reading(page: Any, index: int) -> bool:
    """Whether an open pypdfium2 page has a small square with something drawn or written
    inside it: only then does pdfplumber open the page (a cheap look at the page objects)."""
    try:
        return _something_in_a_square(page)
    except Exception as exc:  # a damaged page object must not cost the page its text
        log.info("page %d objects not read: %s: %s", index + 1, type(exc).__name__, exc)
        return False


def _something_in_a_square(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    textpage = None  # made only for a square with no drawing inside: it costs ~1 ms a page
    try:
        paths = [o.get_bounds() for o in page.get_objects(
            filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3)]
        if len(paths) > MAX_PATHS:
            return False  # a drawing or a chart, not a form
        for i, (left, bottom, right, top) in enumerate(paths):
            if not _square(right - left, top - bottom, slack=1.0):  # bounds include the stroke
                continue
            if any(j != i and p[0] >= left - 1.5 and p[2] <= right + 1.5 and p[1] >= bottom - 1.5
                   and p[3] <= top + 1.5 for j, p in enumerate(paths)):
                return True
            textpage = textpage or page.get_textpage()
            if textpage.get_text_bounded(left, bottom, right, top).strip():
                return True
        return False
    finally:
        if textpage is not None:
            textpage.close()


def _square(w: float, h: float, slack: float = 0.0) -> bool:
    """The size and shape of a checkbox."""
    low, high = BOX_SIZE[0], BOX_SIZE[1] + slack
    return low <= w <= high and low <= h <= high and abs(w - h) < 3


def _is_box(r: dict[str, Any]) -> bool:
    return _square(r["width"], r["height"])


def _distinct(squares: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One box per place (a box drawn twice, or an inner filled square, counts once)."""
    out: list[dict[str, Any]] = []
    for r in sorted(squares, key=lambda r: -r["width"]):
        if not any(_inside(r, o, pad=1.0) for o in out):
            out.append(r)
    return sorted(out, key=lambda r: (round(r["top"]), r["x0"]))


def _inside(obj: dict[str, Any], box: dict[str, Any], pad: float = 1.5,
            centre: bool = False) -> bool:
    if centre:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return box["x0"] <= x <= box["x1"] and box["top"] <= y <= box["bottom"]
    return (obj["x0"] >= box["x0"] - pad and obj["x1"] <= box["x1"] + pad
            and obj["top"] >= box["top"] - pad and obj["bottom"] <= box["bottom"] + pad
            and (obj["x1"] - obj["x0"]) + (obj["bottom"] - obj["top"]) > 1.0)


def _filled_inside(page: Any, box: dict[str, Any]) -> bool:
    """A smaller filled square inside the box (how some forms show a choice)."""
    for r in page.rects:
        if r is box or not r.get("fill"):
            continue
        if r["width"] < box["width"] - 1 and _inside(r, box, pad=0.5):
            colour = r.get("non_stroking_color")
            if colour not in ((1,), (1, 1, 1), [1], [1, 1, 1], 1):
                return True
    return False


def _label(words: list[dict[str, Any]], box: dict[str, Any], count: int = 5) -> str:
    mid = (box["top"] + box["bottom"]) / 2
    line = [w for w in words
            if w["x0"] >= box["x1"] - 1 and w["top"] - 4 <= mid <= w["bottom"] + 4]
    line.sort(key=lambda w: w["x0"])
    picked: list[str] = []
    last = box["x1"]
    for w in line:
        if w["x0"] - last > 40:
            break  # the next column
        picked.append(w["text"])
        last = w["x1"]
        if len(picked) == count:
            break
    return " ".join(picked)
