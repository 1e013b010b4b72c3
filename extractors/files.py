"""What ``solesource extract PATH`` reads: a file, or a folder holding one document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from extractors.text import DEFAULT_LIMITS, Limits, load_path
from extractors.types import Document

FOLDER_ORDER = ("document.pdf", "document.docx", "document.html", "text.txt")


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
