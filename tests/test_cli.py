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


# -- bad input: one line naming it, exit != 0, never a traceback (issue 15, findings 1, 7, 9) --

SUBSCRIBE_README = ["subscribe", "add", "A. Reporter", "--email", "reporter@example.org",
                    "--agency", "DHS", "--cadence", "daily", "--hour", "7",
                    "--tz", "America/Chicago"]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """CliRunner's environment: a fresh data folder, no SAM/SMTP settings of the caller."""
    monkeypatch.chdir(tmp_path)
    cleared = {k: None for k in os.environ
               if k.startswith(("SAM_", "SMTP_", "FEDERAL_REGISTER")) or (
                   k.startswith("SOLESOURCE_") and k != "SOLESOURCE_ALLOW_LOOPBACK")}
    return cleared | {"SOLESOURCE_DATA": str(tmp_path / "data"), "COLUMNS": "200"}


def invoke(args: list[str], env: dict[str, str | None]):
    return CliRunner().invoke(cli, args, env=env)


def one_error_line(result) -> str:
    """The single ``Error:`` line of a failed command (and no traceback)."""
    assert result.exit_code not in (0, None), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def stored_subscriptions(tmp_path: Path) -> list[tuple]:
    path = tmp_path / "data" / "private.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return db.execute("select channel, filters, cadence, hour from subscriptions").fetchall()


def test_the_readme_subscription_example_is_accepted(tmp_path, cli_env):
    done = invoke(SUBSCRIBE_README, cli_env)
    assert done.exit_code == 0, done.output
    assert "subscription 1 added for A. Reporter: agencies: DHS" in done.output
    assert stored_subscriptions(tmp_path) == [("email", '{"agencies": ["DHS"]}', "daily", 7)]


@pytest.mark.parametrize(("extra", "names"), [
    (["--agency", "Ministry of Magic"], ["--agency", "'Ministry of Magic'", "agencies.toml"]),
    (["--agency", "Departmnt of Defense"], ["--agency", "Department of Defense (DOD)"]),
    (["--min-amount", "-5"], ["--min-amount", "-5"]),
    (["--min-amount", "nan"], ["--min-amount", "nan"]),
    (["--min-amount", "5", "--max-amount", "2"], ["--min-amount 5", "--max-amount 2"]),
    (["--authority", "bogus"], ["--authority", "'bogus'", "urgency", "only_one_source"]),
    (["--kind", "bogus"], ["--kind", "intent_to_sole_source", "lsj"]),
    (["--source", "twitter"], ["--source", "samgov", "fedreg"]),
    (["--naics", "54"], ["--naics", "6 digits"]),
    (["--psc", "toolong"], ["--psc", "'TOOLONG'"]),
    (["--keyword", "a" * 100_000], ["--keyword", "100,000 characters", "at most 200"]),
    (["--keyword", "bell\x07"], ["--keyword", "control characters"]),
    (["--hour", "24"], ["--hour", "0 to 23"]),
    (["--tz", "Mars/Olympus"], ["--tz", "'Mars/Olympus'"]),
    (["--weekday", "someday"], ["--weekday", "mon"]),
    (["--remind-days", "0"], ["--remind-days", "1 to 90"]),
    (["--secret", "s"], ["--secret", "--webhook only"]),
])
def test_subscribe_add_names_each_bad_filter(tmp_path, cli_env, extra, names):
    done = invoke(SUBSCRIBE_README[:5] + extra, cli_env)
    line = one_error_line(done)
    assert all(n in line for n in names), line
    assert len(line) < 600
    assert stored_subscriptions(tmp_path) == []


def test_subscribe_add_channels(tmp_path, cli_env):
    line = one_error_line(invoke(["subscribe", "add", "W", "--webhook",
                                  "https://example.org/hook"], cli_env))
    assert "--secret is missing" in line
    line = one_error_line(invoke(["subscribe", "add", "W"], cli_env))
    assert "give exactly one of --email, --slack, --webhook" in line
    line = one_error_line(invoke(["subscribe", "add", "W", "--email", "not-an-address"], cli_env))
    assert "--email" in line and "not an email address" in line
    # a name that looks like rich markup is printed as it is, in `add` and in `list`
    done = invoke(["subscribe", "add", "[/]", "--email", "a@example.org", "--agency", "ice"],
                  cli_env)
    assert done.exit_code == 0, done.output
    assert "added for [/]: agencies: U.S. Immigration and Customs Enforcement" in done.output
    listed = invoke(["subscribe", "list"], cli_env)
    assert listed.exit_code == 0 and "[/]" in listed.output


def _readme_block(lang: str, marker: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", README, re.S)
    return next(b for b in blocks if marker in b)


def test_subscribe_import_reads_the_documented_format(tmp_path, cli_env):
    example = _readme_block("toml", "[[subscription]]")
    path = tmp_path / "subscriptions.toml"
    path.write_text(example, encoding="utf-8")
    done = invoke(["subscribe", "import", str(path)], cli_env)
    assert done.exit_code == 0, done.output
    count = example.count("[[subscription]]")
    assert f"imported {count} subscriptions" in done.output
    stored = stored_subscriptions(tmp_path)
    assert len(stored) == count >= 3
    assert {s[0] for s in stored} == {"email", "slack", "webhook"}
    assert ("email", '{"agencies": ["DHS"]}', "daily", 7) in stored


def test_subscribe_import_is_all_or_nothing(tmp_path, cli_env):
    path = tmp_path / "subs.toml"
    path.write_text('[[subscription]]\nsubscriber = "ok"\nemail = "ok@example.org"\n\n'
                    '[[subscription]]\nsubscriber = "bad"\nemail = "bad@example.org"\n'
                    'min_amount = 5\nmax_amount = 2\n', encoding="utf-8")
    line = one_error_line(invoke(["subscribe", "import", str(path)], cli_env))
    assert "subscription #2 ('bad')" in line and "min_amount 5 is more than max_amount" in line
    assert str(path) in line
    assert stored_subscriptions(tmp_path) == []


@pytest.mark.parametrize(("content", "says"), [
    ("this is not toml at all", "is not valid TOML"),
    (bytes(range(256)) * 4, "is not UTF-8 text"),
    ("subscription = 3\n", "no [[subscription]] tables"),
    ('[subscription]\nsubscriber = "x"\n', "no [[subscription]] tables"),
    ('agency = "DHS"\n', "unexpected 'agency' at the top level"),
    ('[[subscription]]\nsubscriber = "x"\nemail = "x@example.org"\nagencies = ["DHS"]\n',
     "unknown key 'agencies'"),
    ('[[subscription]]\nsubscriber = "x"\nemail = "x@example.org"\nhour = "7"\n',
     "hour = '7' is not a whole number"),
    ('[[subscription]]\nsubscriber = "x"\nemail = "x@example.org"\nagency = [1]\n',
     "agency = 1 is not text"),
    ('[[subscription]]\nemail = "x@example.org"\n', "subscriber is missing"),
])
def test_subscribe_import_rejects_bad_files(tmp_path, cli_env, content, says):
    path = tmp_path / "subs.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    line = one_error_line(invoke(["subscribe", "import", str(path)], cli_env))
    assert str(path) in line and says in line, line
    assert stored_subscriptions(tmp_path) == []


def test_subscribe_import_of_a_directory(tmp_path, cli_env):
    line = one_error_line(invoke(["subscribe", "import", str(tmp_path)], cli_env))
    assert str(tmp_path) in line and "is a directory" in line


@pytest.mark.parametrize(("toml", "says"), [
    ("data_dir = 5", "data_dir = 5 is not a string"),
    ("sam = 3", "[sam] must be a table"),
    ("[smtp]\nport = \"x\"", "[smtp] port = 'x' is not a whole number"),
    ("[smtp]\nport = 70000", "[smtp] port = 70000 is too large"),
    ("[smtp]\nsecurity = \"tls\"", "[smtp] security: 'tls' is not one of starttls, ssl, none"),
    ("[smtp]\nfoo = 1", "unknown setting 'foo' in [smtp]"),
    ("[sam]\npage_size = 0", "[sam] page_size = 0 is too small: at least 1"),
    ("[sam]\nnotice_types = \"u\"", "[sam] notice_types = 'u' is not a list of strings"),
    ("[sam]\nnotice_types = [\"x\"]", "[sam] notice_types: 'x' is not one of u, p"),
    ("[sam]\nuse_internal = \"yes\"", "[sam] use_internal = 'yes' is not a boolean"),
    ("[federal_register]\nfeeds = [\"file:///etc/passwd\"]", "is not an http(s) URL"),
    ("http_timeout = -1", "http_timeout = -1 is too small"),
    ("bogus = 1", "unknown setting 'bogus' at the top level"),
    ("[[sam]]\nx = 1", "[sam] must be a table"),
])
def test_config_errors_name_the_toml_key(tmp_path, cli_env, toml, says):
    config = tmp_path / "solesource.toml"
    config.write_text(toml + "\n", encoding="utf-8")
    line = one_error_line(invoke(["--config", str(config), "status"], cli_env))
    assert says in line and str(config) in line, line
    assert "Settings" not in line


@pytest.mark.parametrize(("env", "says"), [
    ({"SAM_DAILY_BUDGET": "-3"}, "SAM_DAILY_BUDGET = -3 is too small"),
    ({"SAM_DAILY_BUDGET": "ten"}, "SAM_DAILY_BUDGET='ten' is not a whole number"),
    ({"SMTP_PORT": "x"}, "SMTP_PORT='x' is not a whole number"),
    ({"SAM_API_BASE": "not a url"}, "SAM_API_BASE = 'not a url' is not an http(s) URL"),
    ({"SAM_API_KEY_FILE": "/nonexistent/key"},
     "SAM_API_KEY_FILE=/nonexistent/key: cannot read it (No such file or directory)"),
    ({"SOLESOURCE_NOW": "garbage"}, "SOLESOURCE_NOW='garbage' is not an ISO 8601 date-time"),
])
def test_environment_errors_name_the_variable(tmp_path, cli_env, env, says):
    line = one_error_line(invoke(["status"], cli_env | env))
    assert says in line, line


def test_config_file_that_is_not_toml(tmp_path, cli_env):
    noise = tmp_path / "noise.toml"
    noise.write_bytes(bytes(range(256)))
    line = one_error_line(invoke(["--config", str(noise), "status"], cli_env))
    assert "is not UTF-8 text" in line and str(noise) in line
    line = one_error_line(invoke(["--config", str(tmp_path), "status"], cli_env))
    assert "cannot be read" in line and str(tmp_path) in line


@pytest.mark.parametrize(("args", "says"), [
    (["--from", "2025-05-01", "--to", "2025-04-01"], "'--from': 2025-05-01 is after --to"),
    (["--from", "2030-01-01", "--to", "2030-02-01"], "'--from': 2030-01-01 is in the future"),
    (["--from", "2025-04-01", "--to", "2030-02-01"], "'--to': 2030-02-01 is in the future"),
    (["--from", "1066-10-14", "--to", "2025-04-01"], "'--from': 1066-10-14 is before 1994"),
    (["--from", "2025-04-01", "--to", "2025-04-30", "--source", "feeds"],
     "'--source': 'feeds' is not one of 'federal_register', 'samgov'"),
    (["--from", "2025-04-01", "--to", "2025-04-30", "--source", "federal_register",
      "--csv", "default"], "'--csv': reads SAM.gov's data extract"),
])
def test_backfill_refuses_ranges_before_spending_quota(tmp_path, cli_env, demo_app, served,
                                                       args, says):
    env = cli_env | {"SAM_API_KEY": KEY, "SAM_API_BASE": served, "SAM_WEB_BASE": served,
                     "FEDERAL_REGISTER_BASE": served, "SOLESOURCE_NOW": "2025-04-30T14:00:00Z"}
    line = one_error_line(invoke(["backfill", *args], env))
    assert says in line, line
    assert demo_app.requests == []


def test_replay_server_prints_the_environment_to_paste(tmp_path):
    """What `replay-server` says to paste is enough for `poll` to find the demo data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAM_", "SOLESOURCE_"))}
    server = subprocess.Popen([sys.executable, "-m", "monitor", "replay-server", "--port", "0"],
                              env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(4)]
        exports = next(ln for ln in lines if ln.startswith("export "))
        pasted = dict(item.split("=", 1) for item in exports.split()[1:])
        assert set(pasted) == {"SAM_API_BASE", "SAM_WEB_BASE", "FEDERAL_REGISTER_BASE",
                               "USASPENDING_BASE", "SAM_API_KEY", "SAM_DAILY_BUDGET",
                               "SOLESOURCE_NOW", "SOLESOURCE_DATA"}
        assert pasted["SOLESOURCE_NOW"] == "2025-04-30T14:00:00Z"
        env |= pasted | {"COLUMNS": "200"}
        polled = subprocess.run([sys.executable, "-m", "monitor", "poll"], env=env, text=True,
                                capture_output=True, timeout=120, cwd=tmp_path)
        assert polled.returncode == 0, polled.stderr
        enriched = subprocess.run([sys.executable, "-m", "monitor", "enrich"], env=env,
                                  text=True, capture_output=True, timeout=120, cwd=tmp_path)
        assert enriched.returncode == 0, enriched.stderr
        info = json.loads(_run(["status", "--json"], env | {
            "SOLESOURCE_DATA": str(tmp_path / pasted["SOLESOURCE_DATA"])}).stdout)
        assert info["counts"]["notices"] == 3
        assert {r["status"] for r in info["runs"]} == {"ok"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert server.stdout is not None
        server.stdout.close()


def test_a_wrongly_typed_secret_is_not_echoed(tmp_path, cli_env):
    config = tmp_path / "solesource.toml"
    config.write_text("[smtp]\npassword = 987654321\n", encoding="utf-8")
    line = one_error_line(invoke(["--config", str(config), "status"], cli_env))
    assert "[smtp] password = (hidden) is not a string" in line
    assert "987654321" not in line


@pytest.mark.parametrize("args", [
    ["--webhook", "https://example.org/hook", "--secret", "hunter2-secret\x07"],
    ["--slack", "https://hooks.slack.com/hunter2\x07"],
    ["--webhook", "https://example.org/hunter2-secret\x1b", "--secret", "s"],
])
def test_bad_secrets_and_urls_are_not_echoed(tmp_path, cli_env, args):
    line = one_error_line(invoke(["subscribe", "add", "X", *args], cli_env))
    assert "control characters" in line and "hunter2" not in line
