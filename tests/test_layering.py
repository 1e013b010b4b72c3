"""Data flows one way: extractors import nothing of solesource; notifications imports only
extractors' public API; monitor sits on top (sources, store, pipeline, CLI, replay)."""

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
