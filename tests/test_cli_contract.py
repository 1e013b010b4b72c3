"""The CLI contract: every command and option, fed a hostile value, ends with an exit code
other than 0 and one ``Error:`` line naming the input — never a traceback, never an "ok",
never a request to SAM.gov or the Federal Register, never a row stored.

Each hostile strategy draws only values the command must refuse. The coverage test walks the
click tree: a new command or option without an entry here (or a reason it has no hostile
value) fails it. In process, through click's CliRunner, against the replay on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.fields.agency import TABLE
from extractors.fields.authority import PLAIN
from extractors.fields.kind import DOC_KIND_WORDS
from monitor.cli import cli
from monitor.replay import Dataset, ReplayApp, ReplayServer
from notifications.matching import EVENTS, NOTIFY_CLASSES
from tests.conftest import KEY

# what the filters may be (the contract, from the data the matcher reads)
AUTHORITIES = tuple(PLAIN)
KINDS = (*NOTIFY_CLASSES, *DOC_KIND_WORDS)
SOURCES = ("samgov", "fedreg", "feed", "federal_register", "feeds")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KEYS = ("subscriber", "email", "slack", "webhook", "secret", "owner_email", "agency", "vendor",
        "min_amount", "max_amount", "authority", "kind", "keyword", "naics", "psc", "source",
        "cadence", "hour", "weekday", "tz", "remind_days", "name")
AGENCIES = {spelling.casefold() for row in tomllib.loads(TABLE.read_text("utf-8"))["agency"]
            for spelling in (row["name"], *row.get("aliases", ()), *row.get("acronyms", ()))}

NOW = "2025-04-30T14:00:00Z"
EXAMPLES = 40

# -- strategies ------------------------------------------------------------------------------


def _fails(convert: Callable[[str], Any]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            convert(text)
        except Exception:  # noqa: BLE001 - any refusal will do
            return True
        return False

    return check


def _zone(text: str) -> None:
    ZoneInfo(text.strip())


def _strptime(text: str) -> None:
    datetime.strptime(text, "%Y-%m-%d")


# what a command line can hold: no NUL, no lone surrogates
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=40)
not_int = any_text.filter(_fails(int))
not_float = any_text.filter(_fails(float))
# text a name, keyword or vendor must not be: empty, blank, too long, or with control marks
def bad_text_of(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""), st.text(" \t", min_size=1, max_size=5),
        st.builds(lambda a, c, b: f"x{a}{c}{b}x", any_text, st.sampled_from(
            ["\x00", "\x07", "\n", "\x1b[31m", "\u202e", "\u2028", "\x9b", "\ufeff"]),
                  any_text),
        st.text(min_size=limit + 1, max_size=limit + 60).filter(
            lambda t: len(t.strip()) > limit))


bad_text = bad_text_of(200)
not_choice: Callable[[Any], st.SearchStrategy[str]] = lambda valid: any_text.filter(  # noqa: E731
    lambda t: t.strip().lower() not in valid)
negative = st.one_of(st.floats(max_value=-1e-6, allow_nan=False).map(repr),
                     st.sampled_from(["nan", "inf", "-inf", "1e400"]), not_float)
not_a_url = any_text.filter(lambda t: not re.match(r"https?://[^/\s]", t.strip()))
not_an_email = any_text.filter(lambda t: "@" not in t or "." not in t.split("@")[-1])
not_a_date = any_text.filter(_fails(_strptime))
not_iso = any_text.filter(_fails(lambda t: datetime.fromisoformat(t.strip())))
missing_path = st.text("abcxyz-_. ", min_size=1, max_size=20).map(
    lambda t: f"no-such-folder/{t}")
# hostile TOML: bytes, text that is not TOML, or keys of the wrong type or unknown
toml_scalar = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        st.booleans(), any_text, st.lists(st.integers(), max_size=3))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    return repr(value)


# -- the world a hostile command runs in ------------------------------------------------------


@dataclass
class World:
    root: Path
    env: dict[str, str | None]
    app: ReplayApp
    a_file: Path  # an ordinary file, in the way of any folder beneath it
    serial: int = 0

    def write(self, content: str | bytes, name: str = "input.toml") -> Path:
        """A new file holding ``content``."""
        self.serial += 1
        path = self.root / "inputs" / f"{self.serial}-{name}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8",
                                                                                  "surrogatepass"))
        return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("contract")
    app = ReplayApp(Dataset.demo(), clock=lambda: datetime.fromisoformat(NOW),
                    keys={KEY: 1000})
    a_file = root / "a-file"
    a_file.write_text("not a folder\n")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        with ReplayServer(app) as url:
            cleared: dict[str, str | None] = {
                k: None for k in os.environ
                if k.startswith(("SAM_", "SMTP_", "FEDERAL_REGISTER", "SOLESOURCE_"))}
            env = cleared | {"SAM_API_KEY": KEY, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                             "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_NOW": NOW,
                             "SOLESOURCE_DATA": str(root / "data"), "COLUMNS": "200",
                             "SOLESOURCE_ALLOW_LOOPBACK": "1"}
            yield World(root, env, app, a_file)
    finally:
        os.chdir(cwd)


# -- what each command is given around the hostile value --------------------------------------

Build = Callable[[Any, World], tuple[list[str], dict[str, Any], list[str]]]


def opt(command: list[str], option: str, *around: str) -> Build:
    """``command ... option VALUE``; the error must name ``option``."""
    return lambda v, w: ([*command, *around, option, v], {}, [option])


def arg(command: list[str], name: str, *after: str) -> Build:
    """``command -- VALUE ...``; the error must name the argument or show the value."""
    return lambda v, w: ([*command, "--", v, *after], {}, [name, str(v)])


def file_arg(command: list[str], option: str | None = None) -> Build:
    """The value is a file's content (str/bytes) or a path (("path", p))."""
    def build(v: Any, w: World) -> tuple[list[str], dict[str, str], list[str]]:
        path = v[1] if isinstance(v, tuple) else str(w.write(v))
        return ([*command, *([option] if option else ["--"]), path], {}, [path, str(Path(path))])

    return build


def env_var(name: str) -> Build:
    """``status`` with ``name=VALUE`` (a NAME_FILE with NAME itself unset)."""
    unset = {name.removesuffix("_FILE"): None} if name.endswith("_FILE") else {}
    return lambda v, w: (["status"], unset | {name: v}, [name])


SUB = ["subscribe", "add", "X", "--email", "x@example.org"]
HOOK = ["subscribe", "add", "X", "--webhook", "https://example.org/hook"]
BACKFILL = ["backfill", "--from", "2025-04-01", "--to", "2025-04-30"]
existing_dir = st.just(("path", "."))
toml_files = st.one_of(
    st.binary(min_size=1, max_size=200).filter(_fails(lambda b: b.decode("utf-8"))),
    any_text.filter(_fails(tomllib.loads)))


def bad_subscription_file(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return values.map(lambda v: "[[subscription]]\nsubscriber = \"X\"\n"
                                f"email = \"x@example.org\"\n{key} = {_toml_value(v)}\n")


subscription_files = st.one_of(
    toml_files, existing_dir,
    st.sampled_from(["", "subscription = 1\n", "[subscription]\nsubscriber = \"x\"\n",
                     "[[subscription]]\n", "x = 1\n[[subscription]]\nsubscriber = \"x\"\n"]),
    bad_subscription_file("hour", st.one_of(st.integers(max_value=-1), st.integers(24),
                                            any_text, st.booleans())),
    bad_subscription_file("min_amount", st.one_of(st.floats(max_value=-1e-6), any_text)),
    bad_subscription_file("agency", any_text.filter(
        lambda t: t.strip().casefold() not in AGENCIES)),
    bad_subscription_file("kind", not_choice(KINDS)),
    bad_subscription_file("keyword", bad_text),
    bad_subscription_file("email", st.integers()),
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
        lambda k: k not in KEYS).map(
        lambda k: f"[[subscription]]\nsubscriber = \"X\"\nemail = \"x@example.org\"\n{k} = 1\n"))
SECTIONS = {"": ["data_dir", "http_timeout", "http_retries", "public_url", "csv_url"],
            "sam": ["page_size", "daily_budget", "notice_types", "use_internal", "api_base"],
            "federal_register": ["lookback_days", "feeds", "per_page", "base"],
            "smtp": ["port", "security", "host"],
            "usaspending": ["budget", "interval", "enabled", "base", "give_up_days"]}


@st.composite
def config_files(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["bytes", "wrong", "unknown", "table"]))
    if kind == "bytes":
        return draw(toml_files)
    section = draw(st.sampled_from(sorted(SECTIONS)))
    head = f"[{section}]\n" if section else ""
    if kind == "table":
        return f"{draw(st.sampled_from(['sam', 'smtp', 'federal_register', 'usaspending']))} = " \
               f"{_toml_value(draw(toml_scalar))}\n"
    if kind == "unknown":
        key = draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
            lambda k: k not in SECTIONS[section] and k not in _known(section)))
        return f"{head}{key} = 1\n"
    key = draw(st.sampled_from(SECTIONS[section]))
    return f"{head}{key} = {_toml_value(draw(_wrong_for(section, key)))}\n"


def _known(section: str) -> set[str]:
    from monitor import settings as s

    kind = {"": s.Settings, "sam": s.SamSettings, "federal_register": s.FederalRegisterSettings,
            "smtp": s.SmtpSettings, "usaspending": s.UsaspendingSettings}[section]
    return set(kind.__dataclass_fields__) | {"sam", "smtp", "federal_register", "usaspending"}


def _wrong_for(section: str, key: str) -> st.SearchStrategy[Any]:
    """Values of the wrong type, or of the right type out of range."""
    from monitor.settings import RULES, SamSettings, Settings, SmtpSettings, UsaspendingSettings

    default = getattr({"": Settings(), "sam": SamSettings(), "smtp": SmtpSettings(),
                       "usaspending": UsaspendingSettings()}.get(
        section, Settings().federal_register), key)
    rule = RULES.get((section, key))
    if isinstance(default, bool):
        return st.one_of(st.integers(), any_text)
    if isinstance(default, int | float):
        low = st.floats(max_value=rule.low - 1e-3) if rule and rule.low is not None \
            else st.nothing()
        return st.one_of(any_text, st.booleans(), low.filter(math.isfinite))
    if isinstance(default, tuple):
        return st.one_of(st.integers(), any_text, st.lists(st.integers(), min_size=1))
    if rule and rule.url:
        return st.one_of(st.integers(), not_a_url)
    if rule and rule.choices:
        return st.one_of(st.integers(), not_choice(rule.choices))
    return st.one_of(st.integers(), st.booleans(), st.just(""))


def not_records(raw: bytes) -> bool:
    """Not a JSON list of records, which the replay would serve (forever)."""
    try:
        v = json.loads(raw)
    except ValueError:
        return True
    return not (isinstance(v, list) and all(isinstance(x, dict) for x in v))


def config_arg(v: Any, w: World) -> tuple[list[str], dict[str, str], list[str]]:
    path = v[1] if isinstance(v, tuple) else str(w.write(v))
    return ["--config", path, "status"], {}, [path, str(Path(path))]


def replay_data(v: Any, w: World) -> tuple[list[str], dict[str, str], list[str]]:
    if isinstance(v, tuple):
        return ["replay-server", "--data", v[1]], {}, ["--data"]
    folder = w.write(b"", "folder")
    folder.unlink()
    folder.mkdir()
    (folder / "samgov.json").write_bytes(v if isinstance(v, bytes) else v.encode())
    return ["replay-server", "--data", str(folder)], {}, ["--data"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | any_text,
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
                               any_text, kids, max_size=3), max_leaves=6)
# Every hostile input, by (command, parameter): how it is passed, and what it is drawn from.
HOSTILE: dict[tuple[str, str], tuple[Build, st.SearchStrategy[Any]]] = {
    ("", "config"): (config_arg, st.one_of(config_files(), existing_dir,
                                            missing_path.map(lambda p: ("path", p)))),
    ("", "data_dir"): (lambda v, w: (["--data-dir", v, "status"], {}, ["data"]),
                       st.one_of(st.just("a-file"), any_text.filter(bool).map(
                           lambda t: "a-file/" + t.replace("\x00", "")))),
    ("poll", "sources"): (opt(["poll"], "--source"), not_choice(
        ["samgov", "federal_register", "feeds"]).filter(lambda t: t not in (
            "samgov", "federal_register", "feeds"))),
    ("backfill", "date_from"): (lambda v, w: (["backfill", "--from", v, "--to", "2025-04-30"],
                                              {}, ["--from"]),
                                st.one_of(not_a_date, st.dates(date(2025, 5, 1)).map(str),
                                          st.dates(max_value=date(1993, 12, 31)).map(str))),
    ("backfill", "date_to"): (lambda v, w: (["backfill", "--from", "2025-04-01", "--to", v],
                                            {}, ["--to", "--from"]),
                              st.one_of(not_a_date, st.dates(date(2025, 5, 1)).map(str),
                                        st.dates(max_value=date(2025, 3, 31)).map(str))),
    ("backfill", "source"): (opt(BACKFILL, "--source"), any_text.filter(
        lambda t: t not in ("samgov", "federal_register"))),
    ("backfill", "csv_location"): (opt(BACKFILL, "--csv"), st.one_of(
        missing_path, st.just("."), any_text.filter(lambda t: t != "default" and not (
            t.startswith(("http://", "https://")) or Path(t).is_file())))),
    ("subscribe add", "subscriber"): (lambda v, w: (["subscribe", "add", "--email",
                                                     "x@example.org", "--", v], {},
                                                    ["--subscriber", "SUBSCRIBER"]), bad_text),
    ("subscribe add", "email"): (opt(["subscribe", "add", "X"], "--email"),
                                 st.one_of(not_an_email, bad_text)),
    ("subscribe add", "slack"): (opt(["subscribe", "add", "X"], "--slack"),
                                 st.one_of(not_a_url, bad_text)),
    ("subscribe add", "webhook"): (opt(["subscribe", "add", "X", "--secret", "s"], "--webhook"),
                                   st.one_of(not_a_url, bad_text)),
    ("subscribe add", "secret"): (opt(HOOK, "--secret"), bad_text_of(500)),
    ("subscribe add", "owner_email"): (opt(SUB, "--owner-email"),
                                       st.one_of(not_an_email, bad_text)),
    ("subscribe add", "agencies"): (opt(SUB, "--agency"), st.one_of(bad_text, any_text.filter(
        lambda t: t.strip().casefold() not in AGENCIES))),
    ("subscribe add", "vendors"): (opt(SUB, "--vendor"), bad_text),
    ("subscribe add", "min_amount"): (opt(SUB, "--min-amount", "--max-amount", "1"), st.one_of(
        negative, st.floats(1.001, 1e12).map(repr))),
    ("subscribe add", "max_amount"): (opt(SUB, "--max-amount", "--min-amount", "1e12"),
                                      st.one_of(negative, st.floats(0, 1e12 - 1).map(repr))),
    ("subscribe add", "authorities"): (opt(SUB, "--authority"), not_choice(AUTHORITIES)),
    ("subscribe add", "kinds"): (opt(SUB, "--kind"), not_choice(KINDS)),
    ("subscribe add", "keywords"): (opt(SUB, "--keyword"), bad_text),
    ("subscribe add", "naics"): (opt(SUB, "--naics"), any_text.filter(
        lambda t: not re.fullmatch(r"[0-9]{6}", t.strip()))),
    ("subscribe add", "psc"): (opt(SUB, "--psc"), any_text.filter(
        lambda t: not re.fullmatch(r"[A-Z0-9]{4}", t.strip().upper()))),
    ("subscribe add", "sources"): (opt(SUB, "--source"), not_choice(SOURCES)),
    ("subscribe add", "events"): (opt(SUB, "--event"), not_choice(tuple(EVENTS))),
    ("subscribe add", "cadence"): (opt(SUB, "--cadence"), not_choice(
        ["immediate", "daily", "weekly"]).filter(lambda t: t not in (
            "immediate", "daily", "weekly"))),
    ("subscribe add", "hour"): (opt(SUB, "--hour"), st.one_of(
        not_int, st.integers(max_value=-1).map(str), st.integers(24).map(str))),
    ("subscribe add", "weekday"): (opt(SUB, "--weekday"), not_choice(WEEKDAYS)),
    ("subscribe add", "timezone"): (opt(SUB, "--tz"), any_text.filter(_fails(_zone)).filter(
        lambda t: bool(t.strip()))),
    ("subscribe add", "remind_days"): (opt(SUB, "--remind-days"), st.one_of(
        not_int, st.integers(max_value=0).map(str), st.integers(91).map(str))),
    ("subscribe remove", "subscription_id"): (arg(["subscribe", "remove"], "SUBSCRIPTION_ID"),
                                              st.one_of(not_int, st.integers().map(str))),
    ("subscribe test", "subscription_id"): (arg(["subscribe", "test"], "SUBSCRIPTION_ID"),
                                            st.one_of(not_int, st.integers().map(str))),
    ("subscribe import", "path"): (file_arg(["subscribe", "import"]), subscription_files),
    ("unsubscribe", "subscription_id"): (arg(["unsubscribe"], "SUBSCRIPTION_ID", "token"),
                                         st.one_of(not_int, st.integers().map(str))),
    ("unsubscribe", "token"): (lambda v, w: (["unsubscribe", "--", "1", v], {}, ["token"]),
                               any_text),
    ("extract", "paths"): (arg(["extract"], "PATHS"), missing_path),
    ("extract", "fmt"): (opt(["extract", "a-file"], "--format"), any_text.filter(
        lambda t: t not in ("table", "json", "jsonl"))),
    ("demo", "output"): (lambda v, w: (["demo", "--output", v], {}, ["--output"]),
                         st.one_of(st.just("a-file"), st.text("abc/", min_size=1).map(
                             lambda t: "a-file/" + t))),
    ("serve", "database"): (file_arg(["serve"]), st.one_of(
        st.binary(max_size=200), existing_dir, missing_path.map(lambda p: ("path", p)),
        st.just(("path", "data/private.db")))),
    ("serve", "host"): (opt(["serve", "a-file"], "--host"), any_text.filter(
        lambda t: not re.fullmatch(r"[A-Za-z0-9.:-]+", t))),
    ("serve", "port"): (opt(["serve"], "--port"), st.one_of(
        not_int, st.integers(max_value=-1).map(str), st.integers(65536).map(str))),
    ("replay-server", "port"): (opt(["replay-server"], "--port"), st.one_of(
        not_int, st.integers(max_value=-1).map(str), st.integers(65536).map(str))),
    ("replay-server", "data"): (replay_data, st.one_of(
        st.binary(max_size=100).filter(not_records), json_values.filter(
            lambda v: not_records(json.dumps(v).encode())).map(json.dumps),
        missing_path.map(lambda p: ("path", p)), st.just(("path", "a-file")))),
    ("replay-server", "daily_quota"): (opt(["replay-server"], "--daily-quota"), st.one_of(
        not_int, st.integers(max_value=0).map(str))),
    ("replay-server", "now_text"): (opt(["replay-server"], "--now"), not_iso),
    ("enrich", "budget"): (opt(["enrich"], "--budget"), st.one_of(
        not_int, st.integers(max_value=0).map(str), st.integers(1_000_001).map(str))),
    # environment variables that the commands read
    ("env", "SOLESOURCE_NOW"): (env_var("SOLESOURCE_NOW"), not_iso.filter(bool)),
    ("env", "SAM_DAILY_BUDGET"): (env_var("SAM_DAILY_BUDGET"), st.one_of(
        not_int.filter(lambda t: bool(t)), st.integers(max_value=0).map(str))),
    ("env", "SMTP_PORT"): (env_var("SMTP_PORT"), st.one_of(
        not_int.filter(bool), st.integers(65536).map(str), st.integers(max_value=0).map(str))),
    ("env", "SAM_API_KEY_FILE"): (env_var("SAM_API_KEY_FILE"), missing_path),
    ("env", "USASPENDING_BUDGET"): (env_var("USASPENDING_BUDGET"), st.one_of(
        not_int.filter(bool), st.integers(max_value=0).map(str))),
    ("env", "USASPENDING_BASE"): (env_var("USASPENDING_BASE"), not_a_url.filter(bool)),
}
# Parameters no value of which is wrong, and why.
NO_HOSTILE = {
    "help": "prints the help", "version": "prints the version",
    "verbose": "a count: any number of -v is fine", "as_json": "a flag",
    "once": "a flag",
}
NAMES_FREE = {"subscriber"}  # ("subscribe add", "subscriber") is passed as an argument


def walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Parameter]]:
    for param in group.params:
        yield prefix, param
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            yield from walk(command, path)
        else:
            for param in command.params:
                yield path, param


def test_every_command_and_option_has_hostile_values() -> None:
    missing = [(path, p.name) for path, p in walk(cli)
               if (path, p.name) not in HOSTILE and p.name not in NO_HOSTILE]
    assert missing == [], "give these hostile values (or a reason) in tests/test_cli_contract.py"


def one_error_line(result: Any, names: list[str]) -> str:
    assert result.exit_code not in (0, None), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, result.output
    line = errors[0]
    assert any(n and n.lower() in line.lower() for n in names), (names, line)
    return line


def _stored(world: World) -> int:
    path = world.root / "data" / "private.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from subscriptions").fetchone()[0]


@pytest.mark.parametrize("key", sorted(HOSTILE), ids=lambda k: f"{k[0]}:{k[1]}")
def test_hostile_values_end_in_one_line_naming_them(world: World, key: tuple[str, str]) -> None:
    build, values = HOSTILE[key]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
    @given(values)
    def check(value: Any) -> None:
        args, env, names = build(value, world)
        requests, stored = len(world.app.requests), _stored(world)
        result = CliRunner().invoke(cli, args, env=world.env | env)
        one_error_line(result, names + [str(value)[:30]] * (
            isinstance(value, str) and value.strip() == value and value.isprintable()
            and len(value) > 3))
        assert len(world.app.requests) == requests, "a refused command made a request"
        assert _stored(world) == stored, "a refused command stored a subscription"

    check()


# -- the parsers behind the commands, on any TOML-shaped value ---------------------------------

toml_values = st.recursive(
    st.one_of(st.integers(), st.floats(), st.booleans(), any_text, st.dates(),
              st.datetimes()),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(any_text, kids, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(KEYS), any_text), toml_values, max_size=8))
def test_a_subscription_table_is_checked_or_refused(table: dict[str, Any]) -> None:
    """Whatever a [[subscription]] table holds, parse() returns a checked subscription or
    raises ConfigurationError — nothing else."""
    from notifications import ConfigurationError
    from notifications.subscriptions import parse

    try:
        new = parse(table)
    except ConfigurationError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 700
        return
    assert new.subscriber.strip() == new.subscriber and new.subscriber
    lows, highs = new.filters.min_amount, new.filters.max_amount
    assert lows is None or highs is None or lows <= highs


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(sorted(SECTIONS) + ["sam", "smtp"]),
                                 any_text), toml_values, max_size=6),
       st.dictionaries(st.sampled_from(["SAM_DAILY_BUDGET", "SMTP_PORT", "SAM_API_BASE",
                                        "SOLESOURCE_EXTRACT_WORKERS", "SMTP_SECURITY"]),
                       any_text, max_size=3))
def test_settings_are_checked_or_refused(document: dict[str, Any],
                                         env: dict[str, str]) -> None:
    """Any TOML document and environment: Settings or a one-line ConfigError."""
    from monitor import settings as config

    try:
        loaded = config.Settings.load(None, env=env, **{})
    except config.ConfigError:
        loaded = None
    assert loaded is None or loaded.sam.daily_budget >= 1
    try:
        config.Settings(**config._coerce(config.Settings, {
            k: v for k, v in document.items() if k not in ("sam", "smtp", "federal_register")}))
        for section, kind in (("sam", config.SamSettings), ("smtp", config.SmtpSettings)):
            if section in document:
                kind(**config._coerce(kind, document[section], section))
    except config.ConfigError as exc:
        assert "\n" not in str(exc) and "Settings" not in str(exc)
