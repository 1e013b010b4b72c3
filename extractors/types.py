"""Values that cross the extractors boundary: the ``Document`` read in, the ``Extraction``
given back (the SCHEMA.md object, typed; ``to_json()`` is that object)."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
Json = dict[str, Any]


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



# --- the result: one SCHEMA.md object (../shared/corpus/SCHEMA.md), typed -----------------
# Each type's ``to_json()`` gives its SCHEMA.md object, keys in the order ``extract`` has
# always written them; ``from_json()`` reads one back (a stored ``result`` column, or what a
# field extractor returned). Field order below is that key order.

DEADLINE_TYPES = frozenset({"response_due", "delivery", "prototype_due", "award"})


def _maybe(read: Callable[[Mapping[str, Any]], T], value: Mapping[str, Any] | None
           ) -> T | None:
    return None if value is None else read(value)


def _json(value: Any) -> Any:
    return None if value is None else value.to_json()


@dataclass(frozen=True, slots=True)
class Evidence:
    """The verbatim quote a value was read from: ``start``/``end`` are offsets into the
    document's text, ``page`` is 1-based (None for formats without pages)."""

    quote: str
    page: int | None
    start: int
    end: int

    def to_json(self) -> Json:
        return {"quote": self.quote, "page": self.page, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(d["quote"], d.get("page"), d["start"], d["end"])


@dataclass(frozen=True, slots=True)
class Agency:
    """The buying agency: ``name`` as written, ``normalized`` and its ``path`` from the
    department down."""

    name: str
    normalized: str
    path: tuple[str, ...]

    def to_json(self) -> Json:
        return {"name": self.name, "normalized": self.normalized, "path": list(self.path)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Agency:
        return cls(d["name"], d["normalized"], tuple(d.get("path") or ()))


@dataclass(frozen=True, slots=True)
class Vendor:
    """A company the action goes to; ``uei``/``cage`` only on the first, when the text
    gives them (and only then written to JSON)."""

    name: str
    canonical: str | None
    evidence: Evidence | None
    confidence: float | None
    uei: str | None = None
    cage: str | None = None

    def to_json(self) -> Json:
        out = {"name": self.name, "canonical": self.canonical,
               "evidence": _json(self.evidence), "confidence": self.confidence}
        if self.uei is not None:
            out["uei"] = self.uei
        if self.cage is not None:
            out["cage"] = self.cage
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Vendor:
        return cls(d["name"], d.get("canonical"), _maybe(Evidence.from_json, d.get("evidence")),
                   d.get("confidence"), d.get("uei"), d.get("cage"))


@dataclass(frozen=True, slots=True)
class Amount:
    """The headline value of the action; ``value_usd`` is None when it was redacted (then
    ``text`` is the redacted passage)."""

    value_usd: float | None
    text: str
    kind: str  # SCHEMA.md amount.kind
    evidence: Evidence | None
    confidence: float | None

    def to_json(self) -> Json:
        return {"value_usd": self.value_usd, "text": self.text, "kind": self.kind,
                "evidence": _json(self.evidence), "confidence": self.confidence}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Amount:
        return cls(d.get("value_usd"), d["text"], d["kind"],
                   _maybe(Evidence.from_json, d.get("evidence")), d.get("confidence"))


@dataclass(frozen=True, slots=True)
class OtherAmount:
    """Any other dollar figure in the document (no evidence: not a claim about the action)."""

    value_usd: float | None
    text: str
    kind: str

    def to_json(self) -> Json:
        return {"value_usd": self.value_usd, "text": self.text, "kind": self.kind}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OtherAmount:
        return cls(d.get("value_usd"), d["text"], d["kind"])


@dataclass(frozen=True, slots=True)
class Authority:
    """The legal basis for not competing: normalized ``citations`` and their ``category``
    (SCHEMA.md vocabularies); a Federal Register notice may state it with no quote."""

    citations: tuple[str, ...]
    category: str | None
    evidence: Evidence | None
    confidence: float | None

    def to_json(self) -> Json:
        return {"citations": list(self.citations), "category": self.category,
                "evidence": _json(self.evidence), "confidence": self.confidence}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Authority:
        return cls(tuple(d.get("citations") or ()), d.get("category"),
                   _maybe(Evidence.from_json, d.get("evidence")), d.get("confidence"))


@dataclass(frozen=True, slots=True)
class Rationale:
    """One or two sentences from the document on why competition was not used."""

    summary: str
    evidence: Evidence | None

    def to_json(self) -> Json:
        return {"summary": self.summary, "evidence": _json(self.evidence)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Rationale:
        return cls(d["summary"], _maybe(Evidence.from_json, d.get("evidence")))


@dataclass(frozen=True, slots=True)
class DateValue:
    """A calendar date (``YYYY-MM-DD``) the document states, with its role (``type``)."""

    type: str  # SCHEMA.md dates[].type
    date: str
    text: str
    evidence: Evidence | None

    def to_json(self) -> Json:
        return {"type": self.type, "date": self.date, "text": self.text,
                "evidence": _json(self.evidence)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DateValue:
        return cls(d["type"], d["date"], d["text"], _maybe(Evidence.from_json, d.get("evidence")))


@dataclass(frozen=True, slots=True)
class NoticeReading:
    """What a notice's document says the notice is; present when metadata was given."""

    notice_class: str  # justification | intent_to_sole_source | neither
    notice_reason: str | None
    response_due: str | None  # YYYY-MM-DD

    def to_json(self) -> Json:
        return {"notice_class": self.notice_class, "notice_reason": self.notice_reason,
                "response_due": self.response_due}


@dataclass(frozen=True, slots=True)
class Extraction:
    """The facts of one document, each with its evidence: the SCHEMA.md object, typed.

    The one value ``extractors.extract`` gives ``monitor``. ``to_json()`` is the SCHEMA.md
    object (what ``solesource extract --format jsonl`` prints and the ``result`` column
    stores); ``columns(result)`` flattens it into the scalar columns the tables
    share. Immutable and picklable (it travels back from worker processes and task queues).
    """

    id: str
    doc_kind: str | None
    agency: Agency | None
    vendors: tuple[Vendor, ...]
    amount: Amount | None
    other_amounts: tuple[OtherAmount, ...]
    redacted_amount: bool
    authority: Authority | None
    rationale: Rationale | None
    dates: tuple[DateValue, ...]
    contract_numbers: tuple[str, ...]
    status: str  # a Document status, or "error" when the extractor itself failed
    problems: tuple[str, ...]
    extractor_version: int
    notice: NoticeReading | None = None

    def to_json(self) -> Json:
        """The SCHEMA.md object (``notice_class``, ``notice_reason`` and ``response_due``
        only when the document was read with notice metadata)."""
        out: Json = {
            "id": self.id, "doc_kind": self.doc_kind, "agency": _json(self.agency),
            "vendors": [v.to_json() for v in self.vendors], "amount": _json(self.amount),
            "other_amounts": [a.to_json() for a in self.other_amounts],
            "redacted_amount": self.redacted_amount, "authority": _json(self.authority),
            "rationale": _json(self.rationale), "dates": [d.to_json() for d in self.dates],
            "contract_numbers": list(self.contract_numbers), "status": self.status,
            "problems": list(self.problems), "extractor_version": self.extractor_version,
        }
        if self.notice is not None:
            out.update(self.notice.to_json())
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Extraction:
        """Read back a SCHEMA.md object (e.g. a stored ``result``); ``to_json`` of what this
        returns equals ``d`` for anything ``to_json`` wrote."""
        notice = None
        if "notice_class" in d:
            notice = NoticeReading(d["notice_class"], d.get("notice_reason"),
                                   d.get("response_due"))
        return cls(
            id=d["id"], doc_kind=d.get("doc_kind"),
            agency=_maybe(Agency.from_json, d.get("agency")),
            vendors=tuple(Vendor.from_json(v) for v in d.get("vendors") or ()),
            amount=_maybe(Amount.from_json, d.get("amount")),
            other_amounts=tuple(OtherAmount.from_json(a) for a in d.get("other_amounts") or ()),
            redacted_amount=bool(d.get("redacted_amount")),
            authority=_maybe(Authority.from_json, d.get("authority")),
            rationale=_maybe(Rationale.from_json, d.get("rationale")),
            dates=tuple(DateValue.from_json(x) for x in d.get("dates") or ()),
            contract_numbers=tuple(d.get("contract_numbers") or ()),
            status=d["status"], problems=tuple(d.get("problems") or ()),
            extractor_version=d["extractor_version"], notice=notice)

    @property
    def response_due(self) -> str | None:
        """The notice's response date, when read with notice metadata and it gives one."""
        return self.notice.response_due if self.notice is not None else None

    def facts(self) -> int:
        """How many of vendor, amount, authority and dates were found (0-4)."""
        return sum(bool(x) for x in (self.vendors, self.amount, self.authority, self.dates))

    def next_deadline(self, today: str | None = None) -> str | None:
        """The earliest deadline-like date (response due, delivery, prototype, award), on
        or after ``today`` (``YYYY-MM-DD``) when given."""
        dates = sorted(d.date for d in self.dates if d.type in DEADLINE_TYPES
                       and (today is None or d.date >= today))
        return dates[0] if dates else None


def columns(result: Extraction | None) -> Json:
    """A result flattened into the scalar columns the tables share: the first vendor, the
    headline amount, the authority (citations as a JSON list), the rationale's summary, the
    next deadline, the agency. The one flattening of a result into rows (each table takes
    the columns it has); ``None`` (no document) gives empty columns."""
    r = result
    vendor = r.vendors[0] if r and r.vendors else None
    amount = r.amount if r else None
    auth = r.authority if r else None
    agency = r.agency if r else None
    return {
        "doc_kind": r.doc_kind if r else None,
        "vendor": vendor.name if vendor else None,
        "vendor_uei": vendor.uei if vendor else None,
        "vendor_group": (vendor.canonical or vendor.name) if vendor else None,
        "amount_usd": amount.value_usd if amount else None,
        "amount_text": amount.text if amount else None,
        "amount_kind": amount.kind if amount else None,
        "redacted_amount": int(bool(r and r.redacted_amount)),
        "authority_category": auth.category if auth else None,
        "authority_citations": json.dumps(list(auth.citations) if auth else []),
        "rationale": r.rationale.summary if r and r.rationale else None,
        "next_deadline": r.next_deadline() if r else None,
        "response_due": r.response_due if r else None,
        "agency_normalized": agency.normalized if agency else None,
        "agency_hierarchy": (" > ".join(agency.path) or None) if agency else None,
        "contract_number": r.contract_numbers[0] if r and r.contract_numbers else None,
    }
