"""Data flows one way: extractors and notifications never import monitor (or each other)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def imported_roots(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def test_leaf_packages_do_not_import_monitor():
    for pkg, banned in (("extractors", {"monitor", "notifications"}),
                        ("notifications", {"monitor", "extractors"}),
                        ("fastscan", {"monitor", "notifications", "extractors"})):
        for path in (ROOT / pkg).rglob("*.py"):
            assert not banned & set(imported_roots(path)), path


def test_production_code_never_imports_the_replay():
    for path in (ROOT / "monitor").rglob("*.py"):
        if "replay" in path.parts or path.name in ("demo.py", "cli.py"):
            continue
        roots = set(_modules(path))
        assert not any(m.startswith("monitor.replay") for m in roots), path


def _modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
