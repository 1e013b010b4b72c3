"""What the replay server serves: SAM.gov v2 records, Federal Register documents, files.

Records are in the real v2 / FR shapes. Keys starting with ``_`` are the server's own
(description HTML, attachments, parent notice, J&A authority code) and are never served as is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo_data"


@dataclass
class Dataset:
    notices: list[dict[str, Any]] = field(default_factory=list)
    fr_documents: list[dict[str, Any]] = field(default_factory=list)
    root: Path | None = None
    csv_bytes: bytes | None = None  # a recorded CSV to serve instead of a generated one
    awards: list[dict[str, Any]] = field(default_factory=list)  # USAspending award details
    award_rows: list[dict[str, Any]] = field(default_factory=list)  # recorded search rows

    @classmethod
    def load(cls, folder: Path) -> Dataset:
        notices = json.loads((folder / "samgov.json").read_text(encoding="utf-8"))
        fr_path = folder / "fedreg.json"
        fr = json.loads(fr_path.read_text(encoding="utf-8")) if fr_path.exists() else []
        usa_path = folder / "usaspending.json"
        usa = json.loads(usa_path.read_text(encoding="utf-8")) if usa_path.exists() else {}
        return cls(notices=notices, fr_documents=fr, root=folder,
                   awards=list(usa.get("awards") or []))

    @classmethod
    def demo(cls) -> Dataset:
        return cls.load(DEMO_DIR)

    @classmethod
    def synthetic(cls, count: int, start: date, days: int, *, justification_share: float = 1.0,
                  attachments: bool = False) -> Dataset:
        """``count`` realistic-looking notices spread over ``days`` days from ``start``."""
        notices = []
        for i in range(count):
            posted = start + timedelta(days=i % max(days, 1))
            nid = hashlib.md5(f"synthetic-{i}".encode()).hexdigest()
            is_ja = (i % 100) < justification_share * 100
            kind = "Justification" if is_ja else "Special Notice"
            rec: dict[str, Any] = {
                "noticeId": nid,
                "title": f"{'J&A' if is_ja else 'Notice'} {i}: sole source maintenance support",
                "solicitationNumber": f"W91CRB-{posted.year % 100:02d}-C-{i:04d}",
                "fullParentPathName": "DEPT OF DEFENSE.DEPT OF THE ARMY.AMC.ACC",
                "fullParentPathCode": "097.2100.W6QK.W91CRB",
                "postedDate": posted.isoformat(), "type": kind, "baseType": kind,
                "archiveType": "auto15", "archiveDate": None, "typeOfSetAside": None,
                "typeOfSetAsideDescription": None, "responseDeadLine": None,
                "naicsCode": "541330", "naicsCodes": ["541330"], "classificationCode": "J015",
                "active": "Yes", "award": {"number": f"W91CRB{posted.year % 100:02d}C{i:04d}"},
                "pointOfContact": None, "organizationType": "OFFICE", "officeAddress": None,
                "placeOfPerformance": None, "additionalInfoLink": None,
                "_description": f"<p>Justification {i} for other than full and open "
                                "competition.</p>",
            }
            if attachments:
                rec["_attachments"] = [{"resourceId": hashlib.md5(f"r{i}".encode()).hexdigest(),
                                        "name": f"JA {i}.txt", "content": f"J&A number {i}\n"}]
            notices.append(rec)
        return cls(notices=notices)

    # -- what the server needs -----------------------------------------------------------

    def attachment(self, resource_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        hit = self._index().get(("att", resource_id))
        if hit is not None and any(a is hit[1] for a in hit[0].get("_attachments") or []):
            return hit
        for rec in self.notices:  # added or changed since the index was built
            for att in rec.get("_attachments") or []:
                if att["resourceId"] == resource_id:
                    return rec, att
        return None

    def _index(self) -> dict[tuple[str, str], Any]:
        """Lookups by id, rebuilt when notices are added: the year-sized benchmark asks for
        each of 50,000 notices, and a scan per request would dominate it."""
        if getattr(self, "_built_for", -1) != len(self.notices):
            index: dict[tuple[str, str], Any] = {}
            for rec in self.notices:
                index[("notice", rec["noticeId"])] = rec
                for att in rec.get("_attachments") or []:
                    index[("att", att["resourceId"])] = (rec, att)
            self._cache, self._built_for = index, len(self.notices)
        return self._cache

    def file_bytes(self, att: dict[str, Any]) -> bytes:
        if "content" in att:
            c = att["content"]
            return c.encode("utf-8") if isinstance(c, str) else bytes(c)
        if self.root is None:
            raise FileNotFoundError(att.get("path"))
        return (self.root / att["path"]).read_bytes()

    def notice(self, notice_id: str) -> dict[str, Any] | None:
        rec = self._index().get(("notice", notice_id))
        if rec is not None and rec["noticeId"] == notice_id:
            return rec
        return next((n for n in self.notices if n["noticeId"] == notice_id), None)

    def fr_text(self, doc: dict[str, Any]) -> str:
        if "_text" in doc:
            return str(doc["_text"])
        if "_text_path" in doc and self.root is not None:
            return (self.root / doc["_text_path"]).read_text(encoding="utf-8")
        return f"{doc.get('title', '')}\n\n{doc.get('abstract') or ''}"
