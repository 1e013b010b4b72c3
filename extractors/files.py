"""What ``solesource extract PATH`` reads: a file, or a folder holding one document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extractors.text import DEFAULT_LIMITS, Limits, load_path
from extractors.types import Document

FOLDER_ORDER = ("document.pdf", "document.docx", "document.html", "text.txt")
SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt")  # what a walked folder's files may be


def is_document_folder(path: Path) -> bool:
    """A folder that is one document: it holds one of FOLDER_ORDER or a notice.json."""
    return any((path / n).exists() for n in (*FOLDER_ORDER, "notice.json"))


def iter_targets(path: Path) -> Iterator[Path]:
    """What ``extract PATH`` reads, each to give to :func:`load_target`: a file as it is; a
    document folder (see is_document_folder) as one document; any other folder walked, in
    name order, for its documents (by suffix, see SUFFIXES) and document folders. Hidden
    entries are skipped; symlinked folders are not followed (no loops)."""
    if not path.is_dir() or is_document_folder(path):
        yield path
        return
    for child in sorted(path.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if not child.is_symlink():
                yield from iter_targets(child)
        elif child.suffix.lower() in SUFFIXES:
            yield child


def load_target(path: Path, limits: Limits = DEFAULT_LIMITS
                ) -> tuple[Document, dict[str, Any] | None, str]:
    """(document, notice metadata or None, id). A folder's name becomes the id."""
    if path.is_dir():
        doc_path = next((path / n for n in FOLDER_ORDER if (path / n).exists()), None)
        notice_file = path / "notice.json"
        notice = None
        if notice_file.exists():
            try:
                notice = json.loads(notice_file.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                notice = {}
        if doc_path is None:
            doc = Document(problems=[f"{path} holds none of {', '.join(FOLDER_ORDER)}"],
                           name=path.name, status="unreadable")
        else:
            doc = load_path(doc_path, limits)
        return doc, notice, path.name
    return load_path(path, limits), None, path.stem
