"""Extraction speed and memory over the shared corpus, against raw text extraction.

    .venv/bin/python benchmarks/extract_bench.py [--corpus ../shared/corpus/docs] [--repeat 7]

Each mode runs in its own process (so peak RSS is its own) over the same files:
- raw pypdfium2 text of every text-layer PDF (the floor we compare against),
- raw pdfplumber text of the same PDFs (closing each page),
- full solesource extraction (text + every field with evidence) of the same PDFs,
- the same in passes alternating with raw pypdfium2 ones, in one process (the steadiest
  ratio on a machine whose speed drifts: both fastest passes come from the same minutes),
- the same in one warm worker process per core (how the extract stage runs),
- full extraction of every labelled folder (text, DOCX, PDF),
- OCR of the scanned PDFs, reported separately as pages/s.
Targets: full extraction within 2x of raw pypdfium2, >= 20 docs/s, peak RSS <= 500 MB.
The ratio is wall time against raw pypdfium2 in one process. Each mode's time is its fastest
pass of --repeat (as timeit does): on a shared machine the slower passes measure the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pdfs(corpus: Path, scans: bool) -> list[Path]:
    return sorted(p / "document.pdf" for p in corpus.iterdir()
                  if (p / "document.pdf").exists() and p.name.endswith(".scan") == scans)


def pdfium_text(path: Path) -> int:
    """Raw pypdfium2 text of every page, the floor extraction is compared with; pages read."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    count = len(pdf)
    for i in range(count):
        page = pdf[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()
    return count


def _warm() -> None:
    from extractors import extract
    from extractors.types import Document

    extract(Document.from_text("warm up: FAR 6.302-1 $1,000 to Acme Inc."))


def _extract_one(name: str) -> int:
    from extractors import extract
    from extractors.files import load_target

    doc, notice, doc_id = load_target(Path(name))
    extract(doc, notice, doc_id)
    return max(1, len(doc.pages))


def pooled(files: list[str], repeat: int) -> dict[str, float]:
    """The extract stage's way on this machine: one warm worker process per core."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_warm) as pool:
        list(pool.map(_extract_one, files))  # every worker started and warm
        passes = []
        for _ in range(repeat):
            started = time.perf_counter()
            pages = sum(pool.map(_extract_one, files))
            passes.append(time.perf_counter() - started)
    rss = max(resource.getrusage(who).ru_maxrss
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    return {"seconds": min(passes), "docs": len(files), "pages": pages, "rss_mb": rss}


def paired(files: list[str], repeat: int) -> dict[str, float]:
    """Raw pypdfium2 and full extraction in alternate passes of one process: on a machine
    whose speed drifts, the ratio of their fastest passes is the steadiest figure."""
    from extractors import extract
    from extractors.files import load_target

    _warm()
    raw, full = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for name in files:
            pdfium_text(Path(name))
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        for name in files:
            doc, notice, doc_id = load_target(Path(name))
            extract(doc, notice, doc_id)
        full.append(time.perf_counter() - started)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": min(full), "raw_seconds": min(raw), "docs": len(files),
            "pages": sum(pdfium_text(Path(n)) for n in files), "rss_mb": rss}


def worker(mode: str, files: list[str], repeat: int) -> dict[str, float]:
    if mode == "pool":
        return pooled(files, repeat)
    if mode == "paired":
        return paired(files, repeat)
    pages = 0
    if mode in ("extract", "folders"):  # load the libraries and the spaCy pipeline untimed
        from extractors import extract
        from extractors.types import Document

        extract(Document.from_text("warm up: FAR 6.302-1 $1,000 to Acme Inc."))
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        pages = 0
        for name in files:
            path = Path(name)
            if mode == "pypdfium2":
                pages += pdfium_text(path)
            elif mode == "pdfplumber":
                import pdfplumber

                with pdfplumber.open(str(path)) as pdf:
                    for page in pdf.pages:
                        page.extract_text()
                        page.close()
                        pages += 1
            else:
                from extractors import extract
                from extractors.files import load_target

                doc, notice, doc_id = load_target(path.parent if mode == "folders" else path)
                extract(doc, notice, doc_id)
                pages += max(1, len(doc.pages))
        passes.append(time.perf_counter() - started)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": min(passes), "docs": len(files), "pages": pages, "rss_mb": rss}


def run(mode: str, files: list[Path], repeat: int) -> dict[str, float]:
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    out = subprocess.run([sys.executable, __file__, "--worker", mode, "--repeat", str(repeat),
                          *map(str, files)], capture_output=True, text=True, env=env,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "docs")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--worker")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.files, args.repeat)))
        return
    text_pdfs = _pdfs(args.corpus, scans=False)
    scans = _pdfs(args.corpus, scans=True)
    folders = sorted(p / "text.txt" for p in args.corpus.iterdir()
                     if (p / "labels.json").exists() and not p.name.endswith(".scan"))
    rows = [
        ("raw pypdfium2 text", run("pypdfium2", text_pdfs, args.repeat)),
        ("raw pdfplumber text", run("pdfplumber", text_pdfs, 1)),
        ("solesource extract (PDF)", run("extract", text_pdfs, args.repeat)),
        ("same, passes alternating with raw", run("paired", text_pdfs, args.repeat * 2)),
        (f"same, {os.cpu_count()} worker processes", run("pool", text_pdfs, args.repeat * 2)),
        ("solesource extract (all folders)", run("folders", folders, 1)),
        ("solesource extract (scans, OCR)", run("extract", scans, 1)),
    ]
    base = rows[0][1]["seconds"]
    print(f"machine: {os.cpu_count()} cores; {len(text_pdfs)} text PDFs, {len(scans)} scans, "
          f"{len(folders)} labelled folders")
    print(f"{'mode':34} {'docs/s':>8} {'pages/s':>8} {'x pypdfium2':>12} {'peak RSS MB':>12}")
    for name, r in rows:
        docs_s = r["docs"] / r["seconds"] if r["seconds"] else 0
        pages_s = r["pages"] / r["seconds"] if r["seconds"] else 0
        ratio = r["seconds"] / r.get("raw_seconds", base) if (
            "folders" not in name and "scans" not in name) else None
        print(f"{name:34} {docs_s:8.1f} {pages_s:8.1f} "
              f"{(f'{ratio:.2f}' if ratio else '-'):>12} {r['rss_mb']:12.0f}")
    ocr = rows[-1][1]
    print(f"OCR: {ocr['seconds'] / max(1, ocr['pages']):.2f} s/page at 200 dpi, "
          f"2 pages in parallel (target <= 2.5 s/page)")


if __name__ == "__main__":
    main()
