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


def test_monitor_uses_the_extractors_public_api_only():
    """``extractors.fields`` is the extractors' inside: monitor goes through ``extractors``."""
    for path in (ROOT / "monitor").rglob("*.py"):
        inside = [m for m in _modules(path) if m == "extractors.fields"
                  or m.startswith("extractors.fields.")]
        assert not inside, f"{path} imports {inside}: export what it needs from extractors"


# cycles still to break, outside the extract stage (the first two are issue 17, item 3);
# take each out of here as it goes: any other cycle fails the test
KNOWN_CYCLES = [
    {"notifications.base", "notifications.email", "notifications.slack",
     "notifications.webhook"},
    {"monitor.replay", "monitor.replay.app", "monitor.replay.federal_register",
     "monitor.replay.samgov"},
    {"monitor.sources", "monitor.sources.federal_register", "monitor.sources.samgov",
     "monitor.sources.samgov_internal"},
]


def test_no_new_import_cycle():
    """No module of monitor, extractors or notifications imports itself back through
    others (imports inside functions and under TYPE_CHECKING count too)."""
    new = [c for c in import_cycles(("monitor", "extractors", "notifications"))
           if not any(c <= known for known in KNOWN_CYCLES)]
    assert not new, f"import cycles: {[sorted(c) for c in new]}"


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    for name, imports in (("a", "from pkg import b"), ("b", "import pkg.c"),
                          ("c", "from pkg.a import x"), ("d", "import pkg.a")):
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / f"{name}.py").write_text(f"def f():\n    {imports}\n")
    assert import_cycles(("pkg",), tmp_path) == [{"pkg.a", "pkg.b", "pkg.c"}]


def import_cycles(packages, root=ROOT):
    """The strongly connected sets of modules (two or more) in the import graph."""
    modules = {}
    for pkg in packages:
        for path in (root / pkg).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: {dep for dep in _targets(name, path, modules) if dep != name}
             for name, path in modules.items()}
    return [set(c) for c in _strongly_connected(graph) if len(c) > 1]


def _targets(name, path, modules):
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            wanted = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*up, *([node.module] if node.module else [])])
            wanted = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for module in wanted:
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if module:
                yield module


def _strongly_connected(graph):
    """Tarjan's algorithm, iteratively."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found
