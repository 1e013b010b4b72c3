"""Fit the vendor model: which of the companies a document names is the awardee.

    .venv/bin/python scripts/train_vendor.py [--corpus ../shared/corpus] [--check]
    make train

Reads every labelled text/PDF/DOCX document of the shared corpus and every sole-source notice
(``notice_class`` not "neither"), lists each one's candidate companies with their features
(``extractors.fields.vendor.features``: which cue or role rules named it and how often, a legal
suffix, where it first appears, the template section, distractor words nearby), labels a
candidate 1 when ``score.py``'s ``same_company`` says it is a labelled vendor, and fits a
logistic regression (scikit-learn, lbfgs, L2 — deterministic).

The regularisation and the threshold are chosen by **leave-one-source-out cross-validation**:
the corpus's sources (``ut-*`` SAM.gov attachments, ``oos-*`` archive copies, ``new-*``
archive postings, ``D*``/``FR*`` other public texts, ``sam-*``, SAM.gov notices, FedBizOpps
notices) are held out one at a time, and the figure printed is the vendor F1 on the held-out
source's items — the figure to expect on documents the model has not seen. The final model is
fitted on everything and written to ``extractors/data/vendor_model.json`` (sorted, rounded: the
same corpus gives the same file). ``--check`` exits 1 if the file on disk differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors.fields.vendor import DATA, companies, eligible, features  # noqa: E402
from extractors.files import load_target  # noqa: E402

OUT = DATA / "vendor_model.json"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 17))


def _scorer(corpus: Path):
    spec = importlib.util.spec_from_file_location("corpus_score", corpus / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.same_company


def source_of(name: str, notice: bool) -> str:
    """The group an item is held out with: where it came from."""
    if notice:
        return "notices-fedbizopps" if "fbo" in name else "notices-samgov"
    head = name.split("-", 1)[0]
    if head in ("ut", "oos", "new", "sam"):
        return head
    return "other-public"  # D*, FR*


def items(corpus: Path):
    """(source, candidates [(features, is_vendor)], labelled names) for each labelled item."""
    same_company = _scorer(corpus)
    folders = [(p, False) for p in sorted((corpus / "docs").iterdir())
               if p.is_dir() and not p.name.endswith(".scan") and (p / "labels.json").exists()]
    folders += [(p, True) for p in sorted((corpus / "notices").iterdir())
                if p.is_dir() and (p / "labels.json").exists()]
    for folder, notice in folders:
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        if notice:
            if labels.get("class") == "neither":
                continue
            names = [labels["vendor"]] if labels.get("vendor") else []
        else:
            names = [n for v in labels.get("vendors") or [] for n in (v.get("name"),
                                                                      v.get("canonical")) if n]
        doc, _meta, _id = load_target(folder)
        found = companies(doc)
        rows = [(features(c, found, doc.text),
                 any(same_company(c.display, n) for n in names), c.first[0])
                for c in found.values() if eligible(c)]
        yield source_of(folder.name, notice), rows, names


def vectorize(rows, names: list[str] | None = None):
    """Rows of (features, ...) as a matrix over ``names`` (every feature seen, sorted)."""
    import numpy as np
    if names is None:
        names = sorted({k for feats, *_ in rows for k in feats})
    index = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for r, (feats, *_rest) in enumerate(rows):
        for k, v in feats.items():
            if k in index:
                x[r, index[k]] = v
    return x, names


def _fit(rows, c: float):
    from sklearn.linear_model import LogisticRegression
    x, names = vectorize(rows)
    y = [int(is_vendor) for _f, is_vendor, _p in rows]
    if len(set(y)) < 2:
        return None
    fitted = LogisticRegression(C=c, solver="lbfgs", max_iter=5000).fit(x, y)
    return fitted, names


def _f1(picks) -> float:
    """score.py's vendor F1: the first pick right, a pick where none is labelled, a miss."""
    tp = fp = fn = 0
    for picked_right, picked, labelled in picks:
        if labelled:
            tp += picked_right
            fn += not picked_right
            fp += picked and not picked_right
        else:
            fp += picked
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _picks(probabilities, dataset, threshold: float):
    out = []
    for probs, (_source, rows, names) in zip(probabilities, dataset, strict=True):
        # the top candidate, ties to the first named, as extract_vendors ranks them
        top = min(zip(probs, rows, strict=True), key=lambda t: (-t[0], t[1][2]), default=None)
        picked = top is not None and top[0] >= threshold
        out.append((picked and top[1][1], picked, bool(names)))
    return out


def cross_validate(dataset):
    """Out-of-fold probabilities for each C, one source held out at a time."""
    sources = sorted({s for s, *_ in dataset})
    results = {}
    for c in C_GRID:
        probs = [None] * len(dataset)
        for held in sources:
            train = [row for s, rows, _n in dataset if s != held for row in rows]
            fitted = _fit(train, c)
            for i, (s, rows, _n) in enumerate(dataset):
                if s != held:
                    continue
                if not rows:
                    probs[i] = []
                    continue
                model, names = fitted
                x, _ = vectorize(rows, names)
                probs[i] = list(model.predict_proba(x)[:, 1])
        results[c] = probs
    return sources, results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--check", action="store_true", help="exit 1 if the model on disk differs")
    args = ap.parse_args()
    dataset = list(items(args.corpus))
    n_candidates = sum(len(rows) for _s, rows, _n in dataset)
    print(f"{len(dataset)} labelled items, {n_candidates} candidate companies")
    sources, results = cross_validate(dataset)
    best = max(((c, t) for c in C_GRID for t in THRESHOLDS),
               key=lambda ct: (_f1(_picks(results[ct[0]], dataset, ct[1])), -abs(ct[1] - 0.5)))
    c, threshold = best
    held_out = _picks(results[c], dataset, threshold)
    per_source = {}
    for src in sources:
        sel = [p for p, (s, *_r) in zip(held_out, dataset, strict=True) if s == src]
        per_source[src] = {"items": len(sel), "vendor_f1": round(_f1(sel), 3)}
    cv = {"vendor_f1": round(_f1(held_out), 3), "by_source": per_source,
          "C": c, "threshold": threshold}
    print(f"leave-one-source-out vendor F1 {cv['vendor_f1']} (C={c}, threshold {threshold})")
    for src, fig in per_source.items():
        print(f"  {src:22} {fig['items']:4} items  vendor F1 {fig['vendor_f1']}")
    model, names = _fit([row for _s, rows, _n in dataset for row in rows], c)
    fitted = {
        "about": "vendor candidate model; made by scripts/train_vendor.py (make train)",
        "intercept": round(float(model.intercept_[0]), 6),
        "weights": {k: round(float(w), 6) for k, w in zip(names, model.coef_[0], strict=True)},
        "threshold": threshold,
        "cross_validation": cv,
        "trained_on": {"items": len(dataset), "candidates": n_candidates},
    }
    return save_model(OUT, fitted, check=args.check)


def save_model(out: Path, fitted: dict, *, check: bool) -> int:
    """Write ``fitted`` (sorted, so the same corpus gives the same file) to ``out``; with
    ``check``, write nothing and return 1 if the file on disk differs."""
    text = json.dumps(fitted, indent=1, sort_keys=True) + "\n"
    if check:
        same = out.exists() and out.read_text(encoding="utf-8") == text
        print("model on disk is up to date" if same else f"{out} differs: run make train")
        return 0 if same else 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
