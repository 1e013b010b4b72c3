"""Full extraction against raw pypdfium2 text, in instructions rather than seconds.

    .venv/bin/python benchmarks/count_instructions.py [--corpus ../shared/corpus/docs]

The clock on a shared VM drifts by 20-40% between minutes; an instruction count does not.
Each of three runs under valgrind's cachegrind (``apt-get install valgrind``) warms every
cache with one pass over the text PDFs, then does nothing more, one raw pypdfium2 pass, or
one full-extraction pass (load and fields, document by document). The differences from the
first run are the two passes' instructions; their ratio is the figure. It leaves out cache
misses, which the clock sees (BENCHMARKS.md), so read it beside extract_bench.py's ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def one_pass(mode: str, corpus: Path) -> None:
    from extract_bench import _pdfs, _warm, pdfium_text

    from extractors import extract
    from extractors.files import load_target

    files = _pdfs(corpus, scans=False)
    _warm()
    for f in files:  # RE2's DFA states, PDFium's fonts, spaCy's vocabulary: all warm
        pdfium_text(f)
        extract(*load_target(f))
    for f in files if mode != "none" else ():
        if mode == "raw":
            pdfium_text(f)
        else:
            extract(*load_target(f))


def count(mode: str, corpus: Path) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--pass", mode, "--corpus", str(corpus)],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env=os.environ | {"PYTHONHASHSEED": "0"})
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not found:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "docs")
    ap.add_argument("--pass", dest="mode", choices=["none", "raw", "full"])
    args = ap.parse_args()
    if args.mode:
        one_pass(args.mode, args.corpus)
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    with ThreadPoolExecutor(3) as pool:
        none, raw, full = pool.map(lambda m: count(m, args.corpus), ["none", "raw", "full"])
    raw, full = raw - none, full - none
    print(f"raw pypdfium2 text: {raw / 1e6:.0f}M instructions; full extraction: "
          f"{full / 1e6:.0f}M; ratio {full / raw:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
