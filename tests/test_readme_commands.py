"""Every command in README.md's ```sh blocks is run, in order, as a reader would type it.

The environment is the documented one: what `solesource replay-server` prints to paste (base
URLs, key, budget, SOLESOURCE_NOW, a data folder of its own) in a temporary working folder,
with SOLESOURCE_ALLOW_LOOPBACK=1 and the SMTP_* variables pointing at local sinks. Each
command must exit 0; `serve` and `replay-server` are started, asked for a page and stopped.
A README example that breaks fails this test: nothing in it is hand-copied.

What cannot run here is listed below with the reason, and every entry must still be found
in the README, so that the lists cannot outlive the lines they excuse.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.replay import ReplayServer
from monitor.replay.sinks import HttpSink, SmtpSink
from monitor.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV_BIN = Path(sys.executable).parent
WEBHOOK_SECRET = "readme-webhook-secret"

# Lines that are not run, and why.
SKIP = {
    "make test": "the suite this test is part of",
    '.venv/bin/pytest -m "not slow"': "the suite this test is part of",
    "make lint": "make re-installs .venv when pyproject.toml changed; CI runs ruff itself",
    "make train": "refits the vendor model in the source tree; tests/test_vendor_model.py runs "
                  "the same script with --check",
    "python3 -m venv .venv && .venv/bin/pip install -e .":
        "installs from a package index; this suite runs inside that install",
    "pip install 'solesource[queue]'": "installs from a package index",
    "export SOLESOURCE_EXTRACT_QUEUE=redis://queue.internal:6379/0":
        "needs Redis; tests/test_task_queue.py runs the queue against a real one",
    'rq worker solesource-extract --url "$SOLESOURCE_EXTRACT_QUEUE"':
        "needs Redis; tests/test_task_queue.py runs real rq workers",
    ".venv/bin/python scripts/build_demo.py": "rewrites the bundled demo data in the source tree",
    ".venv/bin/python scripts/fault_campaign.py":
        "50 seeds take many minutes; tests/test_fault_campaign.py runs two",
    ".venv/bin/python benchmarks/extract_bench.py": "a benchmark of several minutes",
}
# Commands run in another form, and why.
REWRITE = {
    "make demo": "solesource demo",  # the Makefile's recipe (checked below), without make
    "solesource run": "solesource run --once",  # the daemon: one cycle of it
}
# What stands for a real service in the README, and the local sink that takes its place.
TARGETS = {
    "https://hooks.slack.com/services/T…/B…/…": "{slack}/services/T000/B000/README",
    "https://example.org/hook": "{webhook}/hook",
}
LONG_RUNNING = re.compile(r"^(?:\S*/)?solesource (serve|replay-server)\b")
URL = re.compile(r"https?://[^\s\"')]+")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "0.0.0.0")


def bare(line: str) -> str:
    """A command without its trailing ``# comment``."""
    return re.sub(r"\s+#.*$", "", line).strip()


def sh_commands(text: str) -> Iterator[str]:
    """The commands of every ```sh block, continuation lines joined, comments dropped."""
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            if bare(line) and not line.lstrip().startswith("#"):
                yield bare(re.sub(r"\s+", " ", line))


class Reader:
    """The shell a reader types into: the environment they exported and their folder."""

    def __init__(self, cwd: Path, env: dict[str, str], sinks: dict[str, str]) -> None:
        self.cwd, self.env, self.sinks = cwd, env, sinks
        self.stack = ExitStack()
        self.replay_line = ""  # the export line the running replay-server printed
        self.ran: list[str] = []

    def run(self, command: str) -> None:
        command = REWRITE.get(command, command)
        command = command.replace(".venv/bin/", f"{VENV_BIN}/")
        for shown, local in TARGETS.items():
            command = command.replace(shown, local.format(**self.sinks))
        outside = [u for u in URL.findall(command)
                   if not u.split("//", 1)[1].startswith(LOCAL_HOSTS)]
        assert not outside, f"{command!r} would reach {outside}: add it to TARGETS"
        if command.startswith("export "):
            self.export(command)
        elif LONG_RUNNING.match(command):
            self.start(command)
        else:
            done = subprocess.run(["bash", "-c", command], cwd=self.cwd, env=self.env,
                                  text=True, capture_output=True, timeout=600)
            assert done.returncode == 0, (f"README command {command!r} exited "
                                          f"{done.returncode}:\n{done.stdout}\n{done.stderr}")
        self.ran.append(command)

    def export(self, command: str) -> None:
        if "SAM_API_BASE=" in command:  # the line replay-server prints: paste what it printed
            port = re.search(r"127\.0\.0\.1:\d+", self.replay_line)
            assert port, "the README pastes a replay-server line before starting one"
            assert command.replace("127.0.0.1:8765", port.group(0)) == self.replay_line, (
                f"README shows {command!r} but replay-server prints {self.replay_line!r}")
            command = self.replay_line
        for item in shlex.split(command)[1:]:
            name, _, value = item.partition("=")
            if value != "...":  # a placeholder for a real secret: the replay's stays
                self.env[name] = os.path.expandvars(value)

    def start(self, command: str) -> None:
        """Start a server, read the address it prints, fetch it, leave it to stop at the end."""
        command = re.sub(r"--port \d+", "", command) + " --port 0"
        proc = subprocess.Popen(["bash", "-c", "exec " + command], cwd=self.cwd, env=self.env,
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stack.callback(stop, proc)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = URL.search(first)
        assert found, f"{command!r} printed {first!r}; {proc.stderr.read() if proc.stderr else ''}"
        url = found.group(0).replace("0.0.0.0", "127.0.0.1").rstrip("/")
        if "replay-server" in command:
            self.replay_line = next(ln for ln in iter(proc.stdout.readline, "")
                                    if ln.startswith("export ")).strip()
            page = httpx.get(url + "/api/v1/documents.json", timeout=30)
        else:
            page = httpx.get(url + "/", timeout=30, follow_redirects=True)
        assert page.status_code == 200, f"{command!r}: GET {url} gave {page.status_code}"


def stop(proc: subprocess.Popen[Any]) -> None:
    """Ctrl-C, as the README says; each server stops cleanly on it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SAM_", "SOLESOURCE_", "SMTP_", "FEDERAL_REGISTER"))}
    with ExitStack() as stack:
        smtp = stack.enter_context(SmtpSink())
        slack = stack.enter_context(ReplayServer(HttpSink()))
        webhook = stack.enter_context(ReplayServer(HttpSink(secret=WEBHOOK_SECRET)))
        env |= {"PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", "COLUMNS": "200",
                "SOLESOURCE_ALLOW_LOOPBACK": "1",  # the sinks are on 127.0.0.1 (README)
                "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none",
                "SECRET": WEBHOOK_SECRET}
        you = Reader(tmp_path, env, {"slack": slack, "webhook": webhook})
        stack.enter_context(you.stack)
        # first, what the local-replay section says: start it, paste what it prints
        you.run("solesource replay-server")
        you.export(you.replay_line)
        yield you


@pytest.mark.slow
@pytest.mark.timeout(900)  # every command of the README, one after another: ~110 s alone
def test_every_readme_command_runs(reader: Reader) -> None:
    commands = list(sh_commands(README))
    assert len(commands) > 20
    for command in commands:
        if command not in SKIP:
            reader.run(command)
    assert any(c.startswith("solesource subscribe add") for c in reader.ran)
    assert (reader.cwd / "demo-output" / "solesource.db").exists()
    assert (reader.cwd / "replay-data" / "solesource.db").exists()


def test_skips_and_stand_ins_are_still_in_the_readme() -> None:
    commands = set(sh_commands(README))
    for line in [*SKIP, *REWRITE]:
        assert line in commands, f"{line!r} is no longer a README command: drop it here"
    for shown in TARGETS:
        assert shown in README
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:.*\n\t\$\(BIN\)/solesource demo$", make, re.M)


def test_readme_configuration_example_loads(tmp_path: Path) -> None:
    block = next(b for b in re.findall(r"```toml\n(.*?)```", README, re.S)
                 if "[sam]" in b)
    config = tmp_path / "solesource.toml"
    config.write_text(block, encoding="utf-8")
    settings = Settings.load(config, env={})
    assert settings.sam.notice_types == ("u", "s", "p")
    assert settings.federal_register.feeds
