"""Data flows one way: extractors import nothing of solesource; notifications imports only
extractors' public API; monitor sits on top (sources, store, pipeline, CLI, replay)."""

from __future__ import annotations

import ast
from collections.abc import Collection
from graphlib import CycleError, TopologicalSorter
from itertools import pairwise
from pathlib import Path

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
                        ("notifications", {"monitor"}),
                        ("fastscan", {"monitor", "notifications", "extractors"})):
        for path in (ROOT / pkg).rglob("*.py"):
            assert not banned & set(imported_roots(path)), path


def test_notifications_uses_only_the_public_api_of_extractors():
    """``from extractors import name_key``, never ``extractors.fields.vendor``: the inside of
    extractors can change without breaking who is told what."""
    for path in (ROOT / "notifications").rglob("*.py"):
        inner = [m for m in _modules(path) if m.startswith("extractors.")]
        assert not inner, f"{path} imports {inner}; import it from extractors instead"


def test_who_is_told_what_lives_in_notifications():
    """Subscriptions, matching, outbox and delivery are notifications' own, with no copy or
    re-export left in monitor."""
    for name in ("subscriptions", "matching", "outbox", "delivery", "claims"):
        assert (ROOT / "notifications" / f"{name}.py").is_file(), name
        assert not (ROOT / "monitor" / f"{name}.py").exists(), name
    for path in (ROOT / "monitor").rglob("*.py"):
        stale = [m for m in _modules(path) if m in {
            "monitor.subscriptions", "monitor.matching", "monitor.outbox", "monitor.delivery"}]
        assert not stale, f"{path} imports {stale}"


def test_the_channel_registry_sits_above_the_channels():
    """``notifications.base`` is what a channel imports; it imports no channel (not even
    inside a function), so base and the channels form no cycle. The registry is the
    package's ``load_notifiers``."""
    from notifications import load_notifiers
    from notifications.email import EmailNotifier

    channels = {"notifications.email", "notifications.slack", "notifications.webhook"}
    used = channels & set(_modules(ROOT / "notifications" / "base.py"))
    assert not used, f"notifications/base.py imports {sorted(used)}"
    found = load_notifiers()
    assert {"email", "slack", "webhook"} <= set(found) and found["email"] is EmailNotifier


NOTIFICATION_TABLES = ("subscribers", "subscriptions", "outbox", "sent_state", "matched",
                       "deliveries", "secrets")


def test_notifications_owns_the_sql_of_its_tables():
    """No SQL statement in monitor reads or writes a table of notifications (only
    monitor/schema.py's migrations create them): monitor calls notifications instead."""
    import re

    tables = "|".join(NOTIFICATION_TABLES)
    sql = re.compile(rf"\b(?:from|into|update|join)\s+\[?({tables})\b", re.IGNORECASE)
    for path in (ROOT / "monitor").rglob("*.py"):
        if path.name == "schema.py" or "replay" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = sql.search(node.value)
                assert not found, f"{path}:{node.lineno} queries {found.group(1)}"


def test_where_a_newcomer_lands_is_documented():
    """Every public function and class of matching, outbox and delivery says what it takes,
    returns and guarantees (issue 17, item 6)."""
    import inspect

    from notifications import delivery, matching, outbox

    for module in (matching, outbox, delivery):
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert (obj.__doc__ or "").strip(), f"{module.__name__}.{name} has no docstring"


# Files that touch os.environ without reading a setting from it, and why.
ENVIRONMENT_PASSED_ON = {
    "extractors/text.py": "hands the whole environment to the OCR subprocess",
}


def _environment_uses(path):
    """Lines where ``path`` touches the process environment: ``os.environ``, ``os.getenv``,
    ``os.putenv`` or ``from os import environ/getenv``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            yield node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv", "putenv") for a in node.names):
            yield node.lineno


def test_only_settings_reads_the_environment():
    """Settings are read once, in monitor/settings.py, and passed down: no other module of
    monitor, notifications, extractors or fastscan reads (or sets) an environment variable
    (fastscan is told its cache folder: ``fastscan.configure``)."""
    for pkg in ("monitor", "notifications", "extractors", "fastscan"):
        for path in (ROOT / pkg).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if name == "monitor/settings.py" or name in ENVIRONMENT_PASSED_ON:
                continue
            lines = list(_environment_uses(path))
            assert not lines, f"{name} reads the environment at lines {lines}; read it in " \
                              "monitor/settings.py and pass the value down"


def test_readme_lists_every_environment_variable():
    """README, Configuration, has one table row for each variable settings.py reads."""
    from monitor import settings

    names = {"SOLESOURCE_CONFIG", "SOLESOURCE_CACHE", "XDG_CACHE_HOME"}
    names |= {name for name, _, _ in settings.ENV_SETTINGS}
    names |= {n for name, _, _ in settings.ENV_SECRETS for n in (name, f"{name}_FILE")}
    names |= set(settings.ENV_ONLY.values())
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in
              (part.strip("` ") for part in row.split("|")[1].split("/"))}
    assert names - listed == set(), f"README, Configuration, misses {sorted(names - listed)}"


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


def test_monitor_uses_the_extractors_public_api_only():
    """``extractors.fields`` is the extractors' inside: monitor goes through ``extractors``."""
    for path in (ROOT / "monitor").rglob("*.py"):
        inside = [m for m in _modules(path) if m == "extractors.fields"
                  or m.startswith("extractors.fields.")]
        assert not inside, f"{path} imports {inside}: export what it needs from extractors"


# ---- no import cycles ---------------------------------------------------------------------

CYCLE_FREE = ("monitor", "extractors", "notifications")

# Cycles allowed for now (each a strongly connected component of imports): none. A new one
# is broken by moving what both sides need into a small module of its own.
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_paths(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``packages`` (a package is named
    by its ``__init__.py``)."""
    found = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, known: Collection[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` (at ``path``) imports anywhere: at module
    level, inside functions, under ``if TYPE_CHECKING``. ``from a import b`` is the module
    ``a.b`` when there is one, else ``a``; relative imports are resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[:len(package) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    out.add(f"{base}.{alias.name}")
                elif base in known:
                    out.add(base)
    out.discard(name)
    return out


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = CYCLE_FREE
                 ) -> dict[str, set[str]]:
    """Module → the modules (inside ``packages``) it imports."""
    files = module_paths(root, packages)
    return {name: imported_modules(name, path, files) for name, path in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles of ``graph``, each as ``[a, b, ..., a]`` (a imports b ...). Each cycle
    found is cut at its first import and the search goes on until none is left, so the list
    is empty exactly when the graph is acyclic."""
    remaining = {name: set(targets) for name, targets in graph.items()}
    cycles = []
    while True:
        # TopologicalSorter takes predecessors; "a imports b" means b comes first
        try:
            tuple(TopologicalSorter(remaining).static_order())
        except CycleError as exc:
            cycle = list(reversed(exc.args[1]))
            cycles.append(cycle)
            remaining[cycle[0]].discard(cycle[1])
            continue
        return cycles


def test_import_cycle_finder_names_each_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    found = import_cycles(graph)
    assert {frozenset(c) for c in found} == {frozenset("abc"), frozenset("de")}
    assert len(found) == 2
    for cycle in found:
        assert cycle[0] == cycle[-1] and all(b in graph[a] for a, b in pairwise(cycle))
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_import_graph_counts_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.a import x\n")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from .sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from .. import a\nimport pkg.sub\n")
    assert import_graph(tmp_path, ("pkg",)) == {
        "pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"}, "pkg.sub": set(),
        "pkg.sub.c": {"pkg.a", "pkg.sub"}}


def test_no_import_cycles():
    """A cycle makes the import order matter and hides which stage depends on which; break
    it by moving what both sides need into a small module of its own."""
    unknown = [" -> ".join(cycle) for cycle in import_cycles(import_graph())
               if not any(set(cycle) <= known for known in KNOWN_CYCLES)]
    assert not unknown, "import cycles:\n" + "\n".join(unknown)


def test_browse_opens_the_store_without_the_pipeline():
    """Datasette's pages need the store, not the stages: ``monitor.store.open_store``."""
    for name, targets in import_graph().items():
        if name == "monitor.browse" or name.startswith("monitor.browse."):
            assert "monitor.pipeline" not in targets, name
