"""A realistic year through the whole pipeline: backfill → extract → match → deliver.

    .venv/bin/python benchmarks/scale_bench.py [--notices 50000] [--attachments 10000]
                                               [--scan-share 0.005] [--workers 0]

The local replay of SAM.gov is loaded with ``--notices`` notices over 2025, of which
``--attachments`` are justifications carrying a real document from ../shared/corpus/docs
(text-layer PDFs and DOCX, and a share of scans). The real client backfills the year over
127.0.0.1, the extract stage reads every document (in a process pool), three subscriptions
match and the deliverer sends to local Slack-like, webhook and SMTP servers. Prints the time
and throughput of each stage, peak RSS, database sizes and Datasette full-text query latency
(p50/p95) at that size, next to raw pypdfium2 text extraction of the same files measured in
the same run. OCR time is measured separately and reported apart (the 15-minute target
excludes OCR pages). Nothing here is a test; the figures go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extract_bench import pdfium_text  # noqa: E402
from monitor import pipeline  # noqa: E402
from monitor.replay import Dataset, ReplayServer  # noqa: E402
from monitor.replay.sinks import HttpSink, SmtpSink  # noqa: E402
from monitor.settings import SamSettings, Secret, Settings, SmtpSettings  # noqa: E402
from monitor.store import Store  # noqa: E402
from notifications.matching import Filters  # noqa: E402
from notifications.subscriptions import add  # noqa: E402

KEY = "DEMO-KEY"
NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)
AGENCIES = ["DEPT OF DEFENSE.DEPT OF THE ARMY.AMC.ACC", "DEPT OF DEFENSE.DEPT OF THE NAVY.NAVSEA",
            "DEPT OF DEFENSE.DEPT OF THE AIR FORCE.AFMC", "HOMELAND SECURITY, DEPARTMENT OF.US "
            "IMMIGRATION AND CUSTOMS ENFORCEMENT", "HOMELAND SECURITY, DEPARTMENT OF.U.S. "
            "CUSTOMS AND BORDER PROTECTION", "VETERANS AFFAIRS, DEPARTMENT OF.VETERANS AFFAIRS, "
            "DEPARTMENT OF", "HEALTH AND HUMAN SERVICES, DEPARTMENT OF.NATIONAL INSTITUTES OF "
            "HEALTH", "INTERIOR, DEPARTMENT OF THE.NATIONAL PARK SERVICE", "JUSTICE, DEPARTMENT "
            "OF.FEDERAL PRISON SYSTEM / BUREAU OF PRISONS", "STATE, DEPARTMENT OF.STATE, "
            "DEPARTMENT OF", "GENERAL SERVICES ADMINISTRATION.PUBLIC BUILDINGS SERVICE",
            "NATIONAL AERONAUTICS AND SPACE ADMINISTRATION.NASA HEADQUARTERS"]
TOPICS = ["software licenses", "equipment repair", "bridge contract for custodial services",
          "medical imaging maintenance", "laboratory instruments", "training services",
          "satellite communications", "ammunition components", "data analytics platform",
          "emergency generator rental", "hurricane recovery support", "parts and depot repair"]
QUERIES = ["Palantir", "urgency", "maintenance", "only one responsible source", "software",
           "bridge contract", "brand name", "Army", "Veterans Affairs", "proprietary",
           "license", "repair", "6.302-1", "emergency", "medical", "data", "training",
           "hurricane", "ammunition", "satellite"]


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def corpus_files(corpus: Path) -> tuple[list[Path], list[Path]]:
    plain, scans = [], []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for name in ("document.pdf", "document.docx"):
            if (folder / name).exists():
                (scans if folder.name.endswith(".scan") else plain).append(folder / name)
                break
    return plain, scans


def dataset(notices: int, attachments: int, scan_share: float, corpus: Path) -> Dataset:
    plain, scans = corpus_files(corpus)
    data = Dataset.synthetic(notices, date(2025, 1, 1), 365,
                             justification_share=attachments / max(notices, 1))
    data.root = corpus
    rng = random.Random(1)
    given = 0
    for i, rec in enumerate(data.notices):
        if rec["type"] != "Justification":  # most notices are ordinary ones
            rec["title"] = f"Notice {i}: facilities maintenance services"
            rec["_description"] = "<p>Routine facilities maintenance services.</p>"
            continue
        rec["fullParentPathName"] = rng.choice(AGENCIES)
        rec["title"] = f"J&A {i}: {rng.choice(TOPICS)}"
        if given >= attachments:
            continue
        pool = scans if scans and rng.random() < scan_share else plain
        doc = pool[given % len(pool)]
        rid = hashlib.md5(f"bench-{given}".encode()).hexdigest()
        rec["_attachments"] = [{"resourceId": rid, "name": f"JA {given}{doc.suffix}",
                                "path": str(doc.relative_to(corpus))}]
        given += 1
    return data


def raw_pdfium_seconds(files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        if path.suffix == ".pdf":
            pdfium_text(path)
    return time.perf_counter() - started


def ocr_seconds(scans: list[Path]) -> dict[Path, float]:
    from extractors.text import load_path

    out = {}
    for path in scans:
        started = time.perf_counter()
        load_path(path)
        out[path] = time.perf_counter() - started
    return out


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=50_000)
    parser.add_argument("--attachments", type=int, default=10_000)
    parser.add_argument("--scan-share", type=float, default=0.005)
    parser.add_argument("--workers", type=int, default=0, help="extraction processes (0: auto)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "docs")
    parser.add_argument("--keep", type=Path, default=None, help="keep the data in this folder")
    args = parser.parse_args()
    os.environ["SOLESOURCE_ALLOW_LOOPBACK"] = "1"
    data = dataset(args.notices, args.attachments, args.scan_share, args.corpus)
    attached = [rec["_attachments"][0] for rec in data.notices if rec.get("_attachments")]
    notices_count = len(data.notices)
    files = [args.corpus / a["path"] for a in attached]
    print(f"machine: {os.cpu_count()} cores; notices {len(data.notices):,}; justification "
          f"attachments {len(attached):,} ({sum(f.suffix == '.pdf' for f in files):,} PDF, "
          f"{sum(f.suffix == '.docx' for f in files):,} DOCX, "
          f"{sum('.scan' in f.parent.name for f in files):,} scans)", flush=True)

    plain_files = [f for f in files if ".scan" not in f.parent.name]
    raw = raw_pdfium_seconds(plain_files)
    scan_files = sorted({f for f in files if ".scan" in f.parent.name})
    ocr = ocr_seconds(scan_files)
    ocr_total = sum(ocr[f] for f in files if f in ocr)

    workdir = Path(tempfile.mkdtemp(dir=args.keep)) if args.keep else Path(tempfile.mkdtemp())
    # The fake SAM.gov runs in its own process, so the figures are the pipeline's alone.
    fake = workdir / "fake-samgov"
    fake.mkdir()
    for rec in data.notices:
        for att in rec.get("_attachments") or []:
            att["path"] = str(args.corpus / att["path"])
    (fake / "samgov.json").write_text(json.dumps(data.notices), encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "monitor", "replay-server", "--port", "0",
                               "--data", str(fake), "--daily-quota", str(10**8)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env=dict(os.environ, COLUMNS="200"))
    assert server.stdout is not None
    started_line = server.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)", started_line)
    if found is None:
        raise SystemExit(f"the fake SAM.gov did not start: {started_line}")
    url = found.group(1)
    del data
    slack, hook = HttpSink(), HttpSink(secret="bench-secret")
    figures: dict[str, str] = {}
    with ReplayServer(slack) as slack_url, ReplayServer(hook) as hook_url, \
            SmtpSink() as smtp:
        settings = Settings(
            data_dir=workdir, http_timeout=60.0, retry_backoff=0.0,
            extract_workers=args.workers, allow_loopback=True,
            sam=replace(SamSettings(), api_key=Secret(KEY), api_base=url, web_base=url,
                        daily_budget=10**8, page_size=1000, lookback_days=1),
            smtp=SmtpSettings(host="127.0.0.1", port=smtp.port, security="none"))
        store = Store.open(settings.public_db, settings.private_db)
        add(store, NOW, subscriber="desk", slack=f"{slack_url}/services/T/B/X",
            filters=Filters(min_amount=1_000_000), allow_loopback=True)
        add(store, NOW, subscriber="watchdog", webhook=f"{hook_url}/hook", secret="bench-secret",
            filters=Filters(authorities=("urgency",)), allow_loopback=True)
        add(store, NOW, subscriber="reporter", email="reporter@example.test",
            filters=Filters(agencies=("Army",)), cadence="daily", hour=7)
        store.close()
        clock = lambda: NOW  # noqa: E731

        started = time.perf_counter()
        result = pipeline.backfill(settings, "samgov", date(2025, 1, 1), date(2025, 12, 31),
                                   clock=clock)
        t_backfill = time.perf_counter() - started
        print(f"backfill: {result.status}, {result.stats.new:,} notices in {t_backfill:.1f}s",
              flush=True)

        started = time.perf_counter()
        stats = pipeline.extract(settings, clock=clock)
        t_extract = time.perf_counter() - started
        print(f"extract: {stats.notices:,} notices, {stats.documents:,} documents, "
              f"{stats.errors} errors in {t_extract:.1f}s", flush=True)

        started = time.perf_counter()
        matched = pipeline.match(settings, clock=clock)
        t_match = time.perf_counter() - started

        started = time.perf_counter()
        sent = pipeline.deliver(settings, clock=lambda: NOW.replace(hour=23))
        t_deliver = time.perf_counter() - started
        print(f"match: {matched.queued:,} queued in {t_match:.1f}s; deliver: {sent.sent:,} "
              f"messages in {t_deliver:.1f}s", flush=True)
    server.terminate()
    server.wait(timeout=30)

    from monitor.browse import make_datasette

    ds = make_datasette(settings.public_db, settings.data_dir)
    latencies = []
    for _ in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            response = asyncio.run(ds.client.get("/solesource/justifications.json",
                                                 params={"_search": q, "_size": "50"}))
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text[:300]
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    own, children = peak_mb()
    pdf_docs = len([f for f in plain_files if f.suffix == ".pdf"])
    workers = settings.extract_workers or min(4, os.cpu_count() or 1)
    ocr_wall = ocr_total / workers
    total = t_backfill + t_extract + t_match + t_deliver
    figures = {
        "backfill": f"{t_backfill:.0f} s ({notices_count / t_backfill:,.0f} notices/s)",
        "extract": f"{t_extract:.0f} s for {stats.documents:,} documents "
                   f"({stats.documents / t_extract:.1f} docs/s with {workers} workers); OCR "
                   f"share ≈ {ocr_wall:.0f} s ({len(ocr)} distinct scans, "
                   f"{ocr_total:.0f} s single-process)",
        "raw pypdfium2 (same PDFs, 1 process)": f"{raw:.1f} s for {pdf_docs:,} PDFs "
                                                f"({pdf_docs / max(raw, 1e-9):.0f} docs/s)",
        "match": f"{t_match:.1f} s ({matched.queued:,} queued)",
        "deliver": f"{t_deliver:.1f} s ({sent.sent:,} messages)",
        "whole year": f"{total / 60:.1f} min; excluding OCR ≈ {(total - ocr_wall) / 60:.1f} min",
        "peak RSS": f"{own:.0f} MB main process, {children:.0f} MB largest worker",
        "databases": f"public {settings.public_db.stat().st_size / 2**20:.0f} MB, private "
                     f"{settings.private_db.stat().st_size / 2**20:.1f} MB, files "
                     f"{dir_mb(settings.files_dir):.0f} MB",
        "Datasette search": f"p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} "
                            f"queries of /justifications.json?_search=",
    }
    print()
    for name, value in figures.items():
        print(f"{name:40s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
