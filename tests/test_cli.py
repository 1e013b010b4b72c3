"""The CLI as a user runs it: subprocesses against the replay on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import KEY, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _env(tmp: Path, url: str, key: str = KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAM_", "SOLESOURCE_"))}
    return env | {"SAM_API_KEY": key, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                  "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_DATA": str(tmp / "data"),
                  "SOLESOURCE_NOW": "2025-04-30T14:00:00+00:00", "COLUMNS": "200"}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, text=True,
                          capture_output=True, timeout=120)


def test_bad_key_fails_with_one_clear_line(tmp_path, served):
    done = _run(["poll", "--source", "samgov"], _env(tmp_path, served, key="NOT-A-KEY"))
    assert done.returncode != 0
    lines = [ln for ln in done.stderr.splitlines() if "SAM_API_KEY" in ln]
    assert len(lines) == 1, done.stderr
    assert "NOT-A-KEY" not in done.stderr + done.stdout


def test_poll_status_and_init(tmp_path, served):
    env = _env(tmp_path, served)
    assert _run(["init"], env).returncode == 0
    first = _run(["poll"], env)
    assert first.returncode == 0, first.stderr
    assert KEY not in first.stdout + first.stderr
    info = json.loads(_run(["status", "--json"], env).stdout)
    assert info["counts"]["notices"] == 3  # yesterday..today on SAM.gov, the last 30 days of RSS
    assert (info["quota"]["used"], info["quota"]["budget"]) == (2, 10)  # 1 search + 1 description
    assert {r["source"] for r in info["runs"]} == {"samgov", "federal_register", "feeds"}
    back = _run(["backfill", "--from", "2025-04-01", "--to", "2025-04-30"], env)
    assert back.returncode == 0, back.stderr
    assert re.search(r"samgov\s+│\s+budget", back.stdout)
    info = json.loads(_run(["status", "--json"], env).stdout)
    assert info["counts"]["notices"] == 15 and info["quota"]["remaining"] == 0
    # 2 + live window 1 + backfill page 1 + 6 descriptions = 10; six wait for tomorrow
    assert info["counts"]["descriptions_pending"] == 6
    assert info["backfills"] == []  # the search pages are done
    human = _run(["status"], env)
    assert "10/10 used, 0 left" in human.stdout


def test_missing_key_polls_only_the_federal_register(tmp_path, served):
    env = _env(tmp_path, served)
    env.pop("SAM_API_KEY")
    done = _run(["poll"], env)
    assert done.returncode == 0, done.stderr
    assert "skipping SAM.gov" in done.stderr
    assert "samgov" not in done.stdout


def test_hanging_server_times_out_and_is_recorded(tmp_path, demo_app, served):
    from monitor.replay import Fault

    config = tmp_path / "s.toml"
    config.write_text("http_timeout = 0.5\nhttp_retries = 1\nretry_backoff = 0.0\n")
    demo_app.script("search", Fault(hang=True), Fault(hang=True))
    env = _env(tmp_path, served) | {"SOLESOURCE_CONFIG": str(config)}
    done = _run(["poll", "--source", "samgov", "--source", "federal_register"], env)
    assert done.returncode == 1
    assert "timed out" in done.stderr
    assert re.search(r"federal_register\s+│\s+ok", done.stdout)


def test_demo_twice_adds_nothing(tmp_path):
    runner = CliRunner()
    out = tmp_path / "demo"
    first = runner.invoke(cli, ["demo", "--output", str(out)])
    assert first.exit_code == 0, first.output
    assert "15 new or changed" in first.output
    second = runner.invoke(cli, ["demo", "--output", str(out)])
    assert "nothing new this time" in second.output
    assert (out / "solesource.db").exists() and (out / "private.db").exists()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    assert cli.commands[name].help
    assert f"solesource {name}" in README
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0


def test_readme_starts_with_the_two_commands():
    block = README.split("```", 2)[1]
    commands = [ln.split("#")[0].strip() for ln in block.splitlines()[1:] if ln.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_debug_logs_never_show_the_key(tmp_path, served):
    done = _run(["-vv", "poll", "--source", "samgov"], _env(tmp_path, served))
    assert done.returncode == 0, done.stderr
    assert "api_key=***" in done.stderr  # the redacted request lines are there
    assert KEY not in done.stderr + done.stdout


def test_run_once_polls_every_source(tmp_path, served):
    done = _run(["run", "--once"], _env(tmp_path, served))
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(tmp_path / "data" / "private.db")
    sources = {r[0] for r in db.execute("select source from runs")}
    assert sources == {"samgov", "federal_register", "feeds"}
