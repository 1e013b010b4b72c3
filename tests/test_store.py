"""The store owns its two connections: a ``with`` block closes both, and a pipeline stage
closes what it opened but leaves a store it was given open."""

from __future__ import annotations

import ast
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor import pipeline
from monitor.store import Store, open_store
from tests.conftest import ROOT, make_settings, missing

NOW = datetime(2025, 4, 30, 14, 0, tzinfo=UTC)


def open_files(path: Path) -> int:
    """How many file descriptors of this process are open on ``path`` or its -wal/-shm."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        missing("counting open files needs /proc/self/fd (Linux)")
    count = 0
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since it was listed
            continue
        count += target.startswith(str(path.resolve()))
    return count


def closed(store: Store) -> bool:
    try:
        store.public.execute("select 1")
    except sqlite3.ProgrammingError:
        try:
            store.private.execute("select 1")
        except sqlite3.ProgrammingError:
            return True
    return False


def test_a_with_block_closes_both_databases(tmp_path):
    with Store.open(tmp_path / "pub.db", tmp_path / "priv.db") as store:
        assert store.public.execute("select count(*) from notices").fetchone() == (0,)
        assert store.private.execute("select count(*) from runs").fetchone() == (0,)
    assert closed(store)
    assert open_files(tmp_path / "pub.db") == open_files(tmp_path / "priv.db") == 0


def test_a_with_block_closes_both_databases_when_it_raises(tmp_path):
    with pytest.raises(KeyError), Store.open(tmp_path / "pub.db", tmp_path / "priv.db") as store:
        raise KeyError("boom")
    assert closed(store)


def test_open_store_opens_the_settings_databases(tmp_path):
    settings = make_settings(tmp_path / "data", "http://127.0.0.1:9")
    with open_store(settings) as store:
        store.set_cursor("samgov", {"last_to": "2025-04-30"}, NOW)
    with Store.open(settings.public_db, settings.private_db) as again:
        assert again.cursor("samgov") == {"last_to": "2025-04-30"}


def test_a_stage_leaves_a_given_store_open_and_closes_its_own(tmp_path):
    settings = make_settings(tmp_path / "data", "http://127.0.0.1:9")
    with open_store(settings) as store:
        pipeline.match(settings, clock=lambda: NOW, store=store)
        pipeline.extract(settings, clock=lambda: NOW, store=store)
        assert not closed(store)
        held = open_files(settings.public_db)
        assert held > 0
    assert open_files(settings.public_db) == 0
    pipeline.match(settings, clock=lambda: NOW)
    pipeline.extract(settings, clock=lambda: NOW)
    pipeline.status(settings, clock=lambda: NOW)
    assert open_files(settings.public_db) == open_files(settings.private_db) == 0


def test_cli_and_pipeline_close_stores_with_with_blocks():
    """No hand-written ``store.close()`` (nor ``own = store is None``) to forget on one path."""
    for path in (ROOT / "monitor" / "cli.py", ROOT / "monitor" / "pipeline.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "close":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "store"), (
                    f"{path.name}:{node.lineno}: use `with open_store(settings) as store:`")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Compare):
                assert "store is None" not in ast.unparse(node.value), (
                    f"{path.name}:{node.lineno}: use pipeline._store(settings, store)")
