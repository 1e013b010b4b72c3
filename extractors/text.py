"""Files → Document. Never raises on a bad file: problems are recorded on the Document.

- PDF: pypdfium2 for the text layer (fast, small); pages with no usable text layer (or a
  garbage one) go to OCR with tesseract, two pages at a time, ``OMP_THREAD_LIMIT=1``.
- DOCX: python-docx in body order, tables included (``iter_inner_content``).
- HTML: to text; plain text as is.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from extractors.html import html_to_text
from extractors.layout import DrawnBoxes, read_ticks
from extractors.types import Document, Page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 300
    max_ocr_pages: int = 40
    seconds: float = 120.0
    ocr_dpi: int = 200
    ocr_workers: int = 2
    max_docx_uncompressed: int = 200 * 1024 * 1024
    max_ocr_pixels: int = 25_000_000  # a page is rendered smaller rather than bigger than this
    max_stream_inflated: int = 64 * 1024 * 1024  # one PDF stream, decompressed
    max_pdf_inflated: int = 512 * 1024 * 1024  # all of a PDF's streams, decompressed


DEFAULT_LIMITS = Limits()


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def sniff(data: bytes, name: str = "") -> str:
    head = data[:2048]
    lower = name.lower()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if lower.endswith(".docx") or b"word/" in data[:65536] else "zip"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or b"<body" in stripped[:1024] \
            or lower.endswith((".html", ".htm")):
        return "text/html"
    if lower.endswith(".pdf"):
        return "application/pdf"
    return "text/plain"


def load_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    try:
        size = path.stat().st_size
    except OSError as exc:
        return Document(problems=[f"cannot read {path}: {exc.strerror}"], name=path.name,
                        status="unreadable")
    if size > limits.max_bytes:
        return Document(problems=[f"{path.name} is {size} bytes, over the {limits.max_bytes}"
                                  "-byte limit; raise max_bytes to read it"],
                        name=path.name, status="too_large")
    return load_bytes(path.read_bytes(), path.name, limits)


def load_bytes(data: bytes, name: str = "", limits: Limits = DEFAULT_LIMITS) -> Document:
    if len(data) > limits.max_bytes:
        return Document(problems=[f"{name} is over the {limits.max_bytes}-byte limit"],
                        name=name, status="too_large")
    kind = sniff(data, name)
    if not data.strip():
        return Document(problems=[f"{name or 'document'} is empty"], name=name,
                        status="unreadable")
    try:
        if kind == "application/pdf":
            return _pdf(data, name, limits)
        if kind == "docx":
            return _docx(data, name, limits)
        if kind == "zip":
            return Document(problems=[f"{name} is a zip archive, not a document"], name=name,
                            media_type="application/zip", status="unreadable")
        text = data.decode("utf-8", errors="replace")
        junk = sum(1 for c in text[:20000] if c == "\ufffd" or (c < " " and c not in "\t\n\r\f"))
        if junk > 0.2 * min(len(text), 20000):
            return Document(problems=[f"{name or 'document'} is binary data, not a document "
                                      "we can read (not a PDF, a Word file, HTML or text)"],
                            name=name, status="unreadable")
        if kind == "text/html":
            return Document(pages=[Page(None, html_to_text(text), "html")], name=name,
                            media_type="text/html")
        return Document(pages=[Page(None, text, "plain")], name=name)
    except Exception as exc:  # a hostile file must end as a status, never a crash
        log.warning("could not read %s: %s: %s", name, type(exc).__name__, exc)
        return Document(problems=[f"could not read {name}: {type(exc).__name__}: {exc}"],
                        name=name, status="unreadable")


def garbage_score(text: str) -> float:
    """0 = reads like language, 1 = junk (no text layer, or a font without a Unicode map)."""
    stripped = text.strip()
    if len(stripped) < 25:
        return 1.0
    tokens = len(stripped.split())
    wordy = len(_WORDY.findall(stripped))
    letters = len(stripped) - len(_LETTERS.sub("", stripped))
    ratio_words = wordy / max(1, tokens)
    ratio_letters = letters / max(1, len(stripped))
    return 1.0 - min(1.0, 0.6 * ratio_words / 0.7 + 0.4 * ratio_letters / 0.6)


def needs_ocr(text: str) -> bool:
    """``garbage_score(text) > 0.5``, answered at once for the common page whose ASCII letters
    alone make up 76% of it: the score cannot then pass 0.5 (0.4 × 0.76 / 0.6 > 0.5); and,
    for a page of forms and figures, once enough of its tokens are plainly words (ASCII
    letters with a vowel, which the word pattern always counts) to keep the score under."""
    stripped = text.strip()
    if len(stripped) < 25:
        return garbage_score(text) > 0.5
    letters = len(stripped.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    if letters >= 0.76 * len(stripped):
        return False
    tokens = stripped.split()
    # not garbage once 0.6/0.7 × words/tokens + 0.4/0.6 × letters/length reaches 0.5
    need = (0.5 - 0.4 / 0.6 * letters / len(stripped)) * len(tokens) / (0.6 / 0.7) + 1e-6
    sure = 0
    for token in tokens:
        if (2 <= len(token) <= 24 and token.isascii() and token.isalpha()
                and not _VOWELS.isdisjoint(token)):
            sure += 1
            if sure >= need:
                return False
    return garbage_score(text) > 0.5


_VOWELS = frozenset("aeiouyAEIOUY")
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())
# a token with two letters in a row and a vowel, shorter than 25 characters
_WORDY = re.compile(r"(?<!\S)(?=\S*?[A-Za-z]{2})(?=\S*?[aeiouyAEIOUY])\S{1,24}(?!\S)")
_LETTERS = re.compile(r"[^\W\d_]+")


_STREAM = re.compile(rb"/FlateDecode[^>]*>>\s*stream\r?\n|/Fl\b[^>]*>>\s*stream\r?\n")


# deflate inflates at most 1032:1, so a stream's compressed size bounds what it can become
MAX_DEFLATE_RATIO = 1032


def inflate_bomb(data: bytes, limits: Limits) -> str | None:
    """Why a PDF's compressed streams would inflate past the limits, or None. PDFium would
    otherwise inflate and parse them whole: a 600 KB file can take 6 GB and minutes.
    Streams are inflated (a megabyte at a time) only where their compressed size leaves
    room for a bomb: most PDFs are cleared by their sizes alone."""
    if len(data) * MAX_DEFLATE_RATIO <= min(limits.max_stream_inflated, limits.max_pdf_inflated):
        return None  # the whole file, inflated at the most, is under both limits
    streams = []
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        streams.append((m.end(), end if end != -1 else len(data)))
    bound = sum(end - start for start, end in streams) * MAX_DEFLATE_RATIO
    if bound <= limits.max_pdf_inflated and all(
            (end - start) * MAX_DEFLATE_RATIO <= limits.max_stream_inflated
            for start, end in streams):
        return None
    total = 0
    for start, stop in streams:
        chunk = data[start:stop]
        inflater = zlib.decompressobj()
        size = 0
        step = 1 << 20  # inflate a megabyte at a time and throw it away: memory stays flat
        try:
            piece = inflater.decompress(chunk, step)
            size += len(piece)
            while (piece and not inflater.eof and size <= limits.max_stream_inflated):
                piece = inflater.decompress(inflater.unconsumed_tail, step)
                size += len(piece)
        except zlib.error:
            continue  # damaged streams are PDFium's to judge
        if size > limits.max_stream_inflated:
            return (f"a compressed stream inflates past {limits.max_stream_inflated // 2**20} MB"
                    " (a decompression bomb?); not read")
        total += size
        if total > limits.max_pdf_inflated:
            return (f"its streams inflate past {limits.max_pdf_inflated // 2**20} MB in all; "
                    "not read")
    return None


def _pdf(data: bytes, name: str, limits: Limits) -> Document:
    import pypdfium2 as pdfium

    started = time.monotonic()
    doc = Document(name=name, media_type="application/pdf")
    if (bomb := inflate_bomb(data, limits)) is not None:
        doc.problems.append(f"{name or 'PDF'}: {bomb}")
        doc.status = "too_large"
        return doc
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        status = "encrypted" if "password" in reason.lower() else "unreadable"
        doc.problems.append(
            f"{name or 'PDF'} cannot be opened ({reason}); "
            + ("it is password-protected — ask the agency for an open copy"
               if status == "encrypted" else "the file is damaged or not a PDF"))
        doc.status = status
        return doc
    try:
        count = len(pdf)
        if count > limits.max_pages:
            doc.problems.append(f"{count} pages; read the first {limits.max_pages}")
            doc.status = "partial"
        texts: list[str] = []
        drawn = DrawnBoxes()  # checkboxes ticked by drawing, not in the text layer
        for i in range(min(count, limits.max_pages)):
            page = pdf[i]
            textpage = page.get_textpage()
            text = (textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
                    .replace("\ufffe", "-"))  # PDFium's mark for a hyphen at a break
            for glyph, box in SYMBOL_GLYPHS.items():  # str.replace: translate costs 30 ns/char
                text = text.replace(glyph, box)
            texts.append(text)
            textpage.close()
            drawn.look(page, i, text)
            page.close()
            if time.monotonic() - started > limits.seconds:
                doc.problems.append(f"stopped after {i + 1} pages: over {limits.seconds}s")
                doc.status = "timeout"
                break
        texts = read_ticks(data, texts, drawn.pages)
        need_ocr = [i for i, t in enumerate(texts) if needs_ocr(t)]
        ocr = _ocr_pages(pdf, need_ocr, limits, doc, started) if need_ocr else {}
    finally:
        pdf.close()
    for i, text in enumerate(texts):
        if i in ocr:
            doc.pages.append(Page(i + 1, clean_ocr(ocr[i]), "ocr"))
        else:
            doc.pages.append(Page(i + 1, text, "text"))
    if not any(p.text.strip() for p in doc.pages) and doc.status == "ok":
        doc.status = "unreadable"
        doc.problems.append(f"{name or 'PDF'}: no text could be read from any page")
    return doc


def _ocr_pages(pdf: object, indexes: list[int], limits: Limits, doc: Document,
               started: float) -> dict[int, str]:
    if not tesseract_available():
        doc.problems.append(f"{len(indexes)} scanned page(s) (no usable text layer) could not be "
                            "read: tesseract is not installed (install tesseract-ocr, e.g. "
                            "apt-get install tesseract-ocr)")
        doc.status = "partial"
        return {}
    if len(indexes) > limits.max_ocr_pages:
        doc.problems.append(f"OCR limited to {limits.max_ocr_pages} of {len(indexes)} pages")
        doc.status = "partial"
        indexes = indexes[: limits.max_ocr_pages]
    images: dict[int, bytes] = {}
    for i in indexes:
        page = pdf[i]  # type: ignore[index]
        width, height = page.get_size()
        scale = min(limits.ocr_dpi / 72,
                    (limits.max_ocr_pixels / max(1.0, width * height)) ** 0.5)
        bitmap = page.render(scale=scale, grayscale=True)
        buf = io.BytesIO()
        bitmap.to_pil().save(buf, format="PNG")
        images[i] = buf.getvalue()
        page.close()
    remaining = max(5.0, limits.seconds - (time.monotonic() - started))
    with ThreadPoolExecutor(max_workers=limits.ocr_workers) as pool:
        futures = {i: pool.submit(ocr_image, png, remaining) for i, png in images.items()}
        out = {}
        for i, fut in futures.items():
            try:
                out[i] = fut.result()
            except (subprocess.SubprocessError, OSError) as exc:
                doc.problems.append(f"OCR failed on page {i + 1}: {exc}")
                doc.status = "partial"
        return out


OCR_JUNK = re.compile(r"(?<=\S)[ \t]+[°©®™¢«»¥§¶|~][ \t]*(?=\s)|(?<=\s)[_—][ \t]+(?=[A-Z])")
OCR_STRAY_DOT = re.compile(r"(?<=[a-z]{3})\.(?=[ \t]+[a-z]{2})")
OCR_SPLIT_CITE = re.compile(r"\b(\d{1,2})\.[ \t](\d{3}-\d{1,2})\b")
OCR_GLUED_MARK = re.compile(r"(?<=[A-Za-z]{3})['’‘](?=\d)")  # "February'12, 2026"
OCR_DASH_SPECK = re.compile(r"(?<=[a-z]{2}) -(?=(?:of|the|and|to|in|for|on)\b)")  # "period -of"


def clean_ocr(text: str) -> str:
    """Undo the commonest tesseract noise that breaks the field rules: stray symbols between
    words ("A-Team ° Solutions"), a period inside a sentence ("Estimated. value of"), a
    space inside a citation ("FAR 6. 103-2"), a mark glued between a month and its day
    ("February'12"), a dash before a short word ("period -of performance")."""
    text = OCR_JUNK.sub(" ", text)
    text = OCR_STRAY_DOT.sub("", text)
    text = OCR_GLUED_MARK.sub(" ", text)
    text = OCR_DASH_SPECK.sub(" ", text)
    return OCR_SPLIT_CITE.sub(r"\1.\2", text)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Word draws checkboxes and ticks with symbol fonts (<w:sym w:font="Wingdings" w:char="F0FE"/>):
# read them as the boxes they show, so that "which box is ticked" survives
SYMBOLS = {"wingdings": {"F0A8": "☐", "F06F": "☐", "F0FE": "☒", "F0FD": "☒", "F078": "☒",
                         "F0FC": "✓"},
           "wingdings 2": {"F0A3": "☐", "F052": "☒", "F053": "☒", "F050": "✓"}}
# a PDF's text layer gives such glyphs as private-use code points (U+F000 + code) without the
# font's name: only the checked boxes, whose codes mean nothing else in the common fonts
SYMBOL_GLYPHS = {"\uf0fe": "☒", "\uf0fd": "☒"}


def _docx_blocks(container: Any) -> Iterator[str]:
    """The lines of a DOCX body in reading order, from the XML itself: paragraphs, tables
    (a row's cells tab-joined) and content controls (<w:sdt>) — python-docx's own text skips
    content controls, where form templates keep their checkboxes and filled-in fields."""
    for child in container:
        if child.tag == W + "p":
            yield _docx_paragraph(child)
        elif child.tag == W + "tbl":
            for row in child.iterchildren(W + "tr"):
                cells = [" ".join(line for line in _docx_blocks(cell) if line)
                         for cell in row.iterchildren(W + "tc")]
                yield "\t".join(cells)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"):
            yield from _docx_blocks(child.find(W + "sdtContent")
                                    if child.tag == W + "sdt" else child)


def _docx_paragraph(p: Any) -> str:
    out: list[str] = []
    skip: Any = None
    for el in p.iter():
        if skip is not None:
            if el is skip or skip in el.iterancestors():
                continue
            skip = None
        tag = el.tag
        if tag == MC_FALLBACK:
            skip = el  # the same content again, for older readers
        elif el.getparent() is None or el.getparent().tag != W + "r":
            continue  # tab stops, paragraph marks and the like are not text
        elif tag == W + "t" and el.text:
            out.append(el.text)
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "sym":
            font = SYMBOLS.get((el.get(W + "font") or "").lower(), {})
            out.append(font.get((el.get(W + "char") or "").upper(), ""))
    return "".join(out)


def ocr_image(png: bytes, timeout: float = 60.0) -> str:
    """Run tesseract on one PNG. One thread per process (``OMP_THREAD_LIMIT=1``) is 6x faster
    on two cores than letting OpenMP oversubscribe."""
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
        tmp.write(png)
        tmp.flush()
        done = subprocess.run(["tesseract", tmp.name, "stdout", "-l", "eng", "--psm", "3"],
                              capture_output=True, timeout=timeout, env=env, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def _damaged_docx(name: str, exc: BaseException) -> Document:
    """A Word file whose zip or XML python-docx could not make sense of, in plain words."""
    if isinstance(exc, etree.XMLSyntaxError):
        why = f"one of its XML parts is malformed ({exc.msg})"
    elif isinstance(exc, zipfile.BadZipFile | zlib.error | NotImplementedError | EOFError):
        why = f"its zip container is damaged ({exc or type(exc).__name__})"
    elif isinstance(exc, KeyError):
        why = f"a part it refers to is missing ({exc.args[0] if exc.args else exc})"
    else:
        why = "its package (content types or relationships) is malformed"
    return Document(problems=[f"{name or 'DOCX'} is a damaged Word file: {why}; nothing could "
                              "be read (ask for a fresh copy)"], name=name, status="unreadable")


def _docx(data: bytes, name: str, limits: Limits) -> Document:
    from docx import Document as Docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return _damaged_docx(name, zipfile.BadZipFile(str(exc)))
    if total > limits.max_docx_uncompressed:
        return Document(problems=[f"{name} unpacks to {total} bytes (a zip bomb?); "
                                  "not read"], name=name, status="too_large")
    try:
        root = Docx(io.BytesIO(data)).element
    except (KeyError, ValueError, AttributeError, TypeError, etree.LxmlError, zlib.error,
            zipfile.BadZipFile, NotImplementedError, EOFError) as exc:  # a malformed package
        log.info("%s: python-docx could not open it: %s: %s", name, type(exc).__name__, exc)
        return _damaged_docx(name, exc)
    # the main part's root is <w:document> with a <w:body> in a Word file; a damaged file can
    # carry any element there, which python-docx then hands back without a ``body``
    body = root.find(W + "body") if root.tag == W + "document" else None
    if body is None:
        found = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        return Document(problems=[f"{name or 'DOCX'} is a damaged Word file: its main part "
                                  f"holds <{found}>, not a document body; nothing could be "
                                  "read (ask for a fresh copy)"], name=name, status="unreadable")
    parts = list(_docx_blocks(body))
    return Document(pages=[Page(None, "\n".join(parts), "docx")], name=name,
                    media_type="application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document")
