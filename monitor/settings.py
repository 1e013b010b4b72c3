"""Configuration: one frozen Settings object, read once from a TOML file and the environment.

Precedence (highest first): environment variables, the TOML file, built-in defaults.
Secrets may also be given as ``NAME_FILE`` (a path whose contents are the secret).

This is the only module of monitor and notifications that reads the environment
(``tests/test_layering.py`` checks it); everything else is handed these settings, or the
plain values they give (``Settings.delivery``). Every variable is listed in README,
Configuration.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from notifications.config import DeliveryConfig, SmtpConfig
from notifications.types import short_repr  # the one repr-cutter for error lines

DEFAULT_CONFIG_NAMES = ("solesource.toml",)


@dataclass(frozen=True, slots=True)
class Secret:
    """A value that never shows itself in logs, reprs or tracebacks."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True, slots=True)
class SamSettings:
    api_key: Secret = Secret("")
    api_base: str = "https://api.sam.gov"
    web_base: str = "https://sam.gov"
    daily_budget: int = 10
    page_size: int = 1000
    lookback_days: int = 1
    notice_types: tuple[str, ...] = ("u", "s", "p")
    use_internal: bool = False  # unofficial keyless search/detail endpoints
    fetch_attachments: bool = True


@dataclass(frozen=True, slots=True)
class FederalRegisterSettings:
    base: str = "https://www.federalregister.gov"
    term: str = (
        '"sole source" | "single source" | "sole-source" | "single-source"'
        ' | "exception to competition"'
    )
    lookback_days: int = 3
    per_page: int = 100
    feeds: tuple[str, ...] = ()
    fetch_full_text: bool = True


@dataclass(frozen=True, slots=True)
class UsaspendingSettings:
    """USAspending (keyless): where to find each justification's award and how hard to look."""

    base: str = "https://api.usaspending.gov"
    web_base: str = "https://www.usaspending.gov"  # where an award's public page lives
    enabled: bool = False  # run the enrich stage in `poll` and the daemon
    budget: int = 300  # requests per enrich run
    interval: float = 1.0  # seconds between requests (no published limit: be ~1/s)
    every_minutes: int = 360  # how often the daemon runs the enrich stage
    give_up_days: int = 180  # stop retrying an identifier not found after this long
    max_awards: int = 5  # awards kept per identifier (a PIID is unique only per agency)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str = ""
    password: Secret = Secret("")
    sender: str = "solesource <alerts@localhost>"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = Path("solesource-data")
    sam: SamSettings = SamSettings()
    federal_register: FederalRegisterSettings = FederalRegisterSettings()
    csv_url: str = (
        "https://falextracts.s3.amazonaws.com/Contract%20Opportunities/datagov/"
        "ContractOpportunitiesFullCSV.csv"
    )
    max_attachment_bytes: int = 50 * 1024 * 1024
    http_timeout: float = 30.0
    http_retries: int = 2
    retry_backoff: float = 2.0  # seconds, doubled per attempt
    fr_interval_minutes: int = 30
    extract_workers: int = 0  # processes reading documents; 0 = one per core, at most 4
    download_workers: int = 4  # threads listing and downloading attachments (keyless)
    extract_queue: Secret = Secret("")  # redis:// URL of an RQ queue; empty = local pool
    extract_queue_timeout: int = 900  # seconds to wait for a queued job's result
    smtp: SmtpSettings = SmtpSettings()
    usaspending: UsaspendingSettings = UsaspendingSettings()
    public_url: str = "http://127.0.0.1:8001"  # where `solesource serve` is reachable
    secret_key: Secret = Secret("")  # signs unsubscribe links; generated if not given
    # environment only (ENV_ONLY: no TOML key), for tests, replays and the demo
    allow_loopback: bool = False  # SOLESOURCE_ALLOW_LOOPBACK=1: Slack/webhooks on 127.0.0.1
    now: datetime | None = None  # SOLESOURCE_NOW: the pinned clock; None = real time
    lock_wait: str = ""  # SOLESOURCE_LOCK_WAIT as written; checked when a lock is taken
    # SOLESOURCE_CACHE, else $XDG_CACHE_HOME/solesource: compiled pattern databases (fastscan)
    cache_dir: Path | None = None

    @property
    def public_db(self) -> Path:
        return self.data_dir / "solesource.db"

    @property
    def private_db(self) -> Path:
        return self.data_dir / "private.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def delivery(self) -> DeliveryConfig:
        """What ``notifications`` needs of these settings to match and deliver, as plain
        values (secrets revealed only inside the returned object, whose repr hides them)."""
        from monitor.browse.links import notice_path
        from monitor.http import make_client

        s = self.smtp
        smtp = SmtpConfig(host=s.host, port=s.port, security=s.security,
                          username=s.username or None, password=s.password.reveal() or None,
                          sender=s.sender)
        return DeliveryConfig(public_url=self.public_url, secret_key=self.secret_key.reveal(),
                              smtp=smtp, notice_path=notice_path,
                              open_client=partial(make_client, timeout=self.http_timeout),
                              allow_loopback=self.allow_loopback)

    @classmethod
    def load(
        cls, config: Path | None = None, env: dict[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """The settings from ``config`` (else $SOLESOURCE_CONFIG, else ./solesource.toml),
        overridden by ``env`` (default: the process environment) and then by ``overrides``.
        Every value is checked: a ConfigError names the file and TOML key (``[smtp] port``)
        or the environment variable, and says what is wanted."""
        env = dict(os.environ if env is None else env)  # the one read of the environment
        data, where = _read_toml(config, env)
        try:
            sam_t, fr_t = data.pop("sam", {}), data.pop("federal_register", {})
            smtp_t = data.pop("smtp", {})
            usa_t = data.pop("usaspending", {})
            sam = SamSettings(**_coerce(SamSettings, sam_t, "sam"))
            fr = FederalRegisterSettings(**_coerce(FederalRegisterSettings, fr_t,
                                                   "federal_register"))
            smtp = SmtpSettings(**_coerce(SmtpSettings, smtp_t, "smtp"))
            usa = UsaspendingSettings(**_coerce(UsaspendingSettings, usa_t, "usaspending"))
            top = _coerce(cls, data)
        except ConfigError as exc:
            raise ConfigError(f"config file {where}: {exc}") from None
        settings = cls(sam=sam, federal_register=fr, smtp=smtp, usaspending=usa, **top)
        return _apply_env_only(_apply_env(settings, env), env).with_overrides(**overrides)

    def with_overrides(self, **overrides: Any) -> Settings:
        sam_o = {k[4:]: v for k, v in overrides.items() if k.startswith("sam_") and v is not None}
        fr_o = {k[3:]: v for k, v in overrides.items() if k.startswith("fr_") and v is not None}
        top = {
            k: v
            for k, v in overrides.items()
            if v is not None and not k.startswith(("sam_", "fr_"))
        }
        if "data_dir" in top:
            top["data_dir"] = Path(top["data_dir"])
        return replace(
            self,
            sam=replace(self.sam, **sam_o),
            federal_register=replace(self.federal_register, **fr_o),
            **top,
        )


class ConfigError(ValueError):
    """The configuration file or environment holds something we cannot use."""


# Where each settings class lives in the TOML file: error messages name the section a user
# writes, never the Python class.
SECTIONS: dict[type, str] = {
    SamSettings: "sam", FederalRegisterSettings: "federal_register", SmtpSettings: "smtp",
    UsaspendingSettings: "usaspending",
}
# SAM.gov's ptype codes (Get Opportunities v2).
SAM_NOTICE_TYPES = ("u", "p", "a", "r", "s", "o", "g", "k", "i")


@dataclass(frozen=True, slots=True)
class _Rule:
    """What a setting may hold beyond its type: a range, a list of choices, a URL."""

    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    url: bool = False
    nonempty: bool = False
    hint: str = ""


RULES: dict[tuple[str, str], _Rule] = {
    ("sam", "daily_budget"): _Rule(1, 1_000_000, hint="10 for a non-federal key"),
    ("sam", "page_size"): _Rule(1, 1000, hint="SAM.gov returns at most 1000 a page"),
    ("sam", "lookback_days"): _Rule(0, 365),
    ("sam", "notice_types"): _Rule(choices=SAM_NOTICE_TYPES, nonempty=True,
                                   hint='e.g. ["u", "s", "p"]'),
    ("sam", "api_base"): _Rule(url=True),
    ("sam", "web_base"): _Rule(url=True),
    ("federal_register", "base"): _Rule(url=True),
    ("federal_register", "term"): _Rule(nonempty=True),
    ("federal_register", "lookback_days"): _Rule(0, 365),
    ("federal_register", "per_page"): _Rule(1, 1000),
    ("federal_register", "feeds"): _Rule(url=True),
    ("smtp", "host"): _Rule(nonempty=True),
    ("smtp", "port"): _Rule(1, 65535, hint="587 for starttls, 465 for ssl"),
    ("smtp", "security"): _Rule(choices=("starttls", "ssl", "none")),
    ("smtp", "sender"): _Rule(nonempty=True),
    ("usaspending", "base"): _Rule(url=True),
    ("usaspending", "web_base"): _Rule(url=True),
    ("usaspending", "budget"): _Rule(1, 1_000_000, hint="requests per enrich run"),
    ("usaspending", "interval"): _Rule(0, 3600, hint="seconds between requests; ~1"),
    ("usaspending", "every_minutes"): _Rule(1, 7 * 24 * 60),
    ("usaspending", "give_up_days"): _Rule(1, 3650, hint="DoD awards appear 90 days late"),
    ("usaspending", "max_awards"): _Rule(1, 100),
    ("", "data_dir"): _Rule(nonempty=True),
    ("", "csv_url"): _Rule(url=True),
    ("", "max_attachment_bytes"): _Rule(1, None),
    ("", "http_timeout"): _Rule(0.001, 3600),
    ("", "http_retries"): _Rule(0, 20),
    ("", "retry_backoff"): _Rule(0, 3600),
    ("", "fr_interval_minutes"): _Rule(1, 7 * 24 * 60),
    ("", "extract_workers"): _Rule(0, 256, hint="0 = one per core, at most 4"),
    ("", "download_workers"): _Rule(1, 64),
    ("", "extract_queue_timeout"): _Rule(1, 7 * 24 * 3600),
    ("", "public_url"): _Rule(url=True),
}


def _label(section: str, key: str) -> str:
    """How a user names a TOML key: ``[smtp] port`` or, at the top level, ``data_dir``."""
    return f"[{section}] {key}" if section else key


def _kind_of(default: Any) -> str:
    """The TOML type a setting takes, from its default value."""
    if isinstance(default, bool):
        return "boolean"
    for kind, name in ((int, "whole number"), (float, "number"), (tuple, "list of strings")):
        if isinstance(default, kind):
            return name
    return "string"


def _typed(value: Any, default: Any, label: str) -> Any:
    """``value`` as the type of ``default``; ConfigError naming ``label`` if it is not one."""
    kind = _kind_of(default)
    wrong = ConfigError(f"{label} = {short_repr(value)} is not a {kind}")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise wrong
        return value
    if kind == "whole number":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise wrong
        return float(value)
    if kind == "list of strings":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{label} = {short_repr(value)} is not a list of strings "
                              f"(write it as [\"a\", \"b\"])")
        return tuple(value)
    if not isinstance(value, str):
        shown = "(hidden)" if isinstance(default, Secret) else short_repr(value)  # never echoed
        raise ConfigError(f"{label} = {shown} is not a string (put it in quotes)")
    if isinstance(default, Secret):
        return Secret(value)
    if isinstance(default, Path):
        if not value.strip():  # Path("") would quietly be the working directory
            raise ConfigError(f"{label} is empty; give a folder")
        return Path(value)
    return value


def _check(section: str, key: str, value: Any, label: str) -> None:
    """Apply the rule for ``section``/``key`` to a typed value; ConfigError naming ``label``."""
    rule = RULES.get((section, key))
    if rule is None:
        return
    items = value if isinstance(value, tuple) else (value,)
    shown = int(value) if isinstance(value, float) and value.is_integer() else value
    hint = f" ({rule.hint})" if rule.hint else ""
    if rule.nonempty and (not items or any(not str(v).strip() for v in items)):
        raise ConfigError(f"{label} is empty; give a value{hint}")
    if rule.low is not None and not rule.low <= value:
        raise ConfigError(f"{label} = {short_repr(shown)} is too small: at least "
                          f"{rule.low:g}{hint}")
    if rule.high is not None and not value <= rule.high:
        raise ConfigError(f"{label} = {short_repr(shown)} is too large: at most "
                          f"{rule.high:g}{hint}")
    for item in items:
        if rule.choices and item not in rule.choices:
            raise ConfigError(f"{label}: {short_repr(item)} is not one of "
                              f"{', '.join(rule.choices)}{hint}")
        if rule.url and not _is_url(str(item)):
            raise ConfigError(f"{label} = {short_repr(item)} is not an http(s) URL "
                              "(e.g. https://example.org)")


def _is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        c.isspace() or ord(c) < 32 for c in text)


def _read_toml(config: Path | None, env: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The TOML file's tables and its name (for messages); ``{}`` when there is none."""
    path = config or (Path(env["SOLESOURCE_CONFIG"]) if env.get("SOLESOURCE_CONFIG") else None)
    if path is None:
        path = next((Path(n) for n in DEFAULT_CONFIG_NAMES if Path(n).exists()), None)
        if path is None:
            return {}, ""
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist; create it or drop --config")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text; it should be a TOML file"
                          ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc.strerror}); "
                          "give a TOML file") from None
    try:
        return tomllib.loads(text), str(path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _coerce(kind: type, values: Any, section: str = "") -> dict[str, Any]:
    """Check one TOML table against a settings class: every key known, of the right type
    and within its rule. Returns the keyword arguments for ``kind``; raises ConfigError
    naming the TOML section and key."""
    if not isinstance(values, dict):
        raise ConfigError(f"[{section}] must be a table (write it as a [{section}] section), "
                          f"not {short_repr(values)}")
    default = kind()
    known = [k for k in kind.__dataclass_fields__  # type: ignore[attr-defined]
             if k not in ENV_ONLY]
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known or (not section and key in SECTIONS.values()):
            where = f"in [{section}]" if section else "at the top level"
            names = ", ".join(k for k in known if k not in SECTIONS.values())
            if not section:
                names += " and the sections " + ", ".join(f"[{n}]" for n in SECTIONS.values())
            raise ConfigError(f"unknown setting {short_repr(key)} {where}; the known ones are "
                              f"{names} (see README, Configuration)")
        label = _label(section, key)
        out[key] = _typed(value, getattr(default, key), label)
        _check(section, key, out[key] if not isinstance(out[key], Secret | Path)
               else str(out[key]), label)
    return out


def _secret_from_env(env: dict[str, str], name: str) -> Secret | None:
    """``NAME`` or the contents of the file named by ``NAME_FILE``; ConfigError naming the
    variable when that file cannot be read or is empty."""
    if env.get(name):
        return Secret(env[name].strip())
    if not env.get(f"{name}_FILE"):
        return None
    path = env[f"{name}_FILE"]
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{name}_FILE={path}: the file is not UTF-8 text; it should hold "
                          f"only the secret") from None
    except OSError as exc:
        raise ConfigError(f"{name}_FILE={path}: cannot read it ({exc.strerror}); point "
                          f"{name}_FILE at the file holding the secret, or set {name}") from None
    if not value:
        raise ConfigError(f"{name}_FILE={path}: the file is empty; put the secret in it")
    return Secret(value)


# Environment variables over TOML keys: (variable, section, key).
ENV_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("SAM_DAILY_BUDGET", "sam", "daily_budget"),
    ("SAM_API_BASE", "sam", "api_base"),
    ("SAM_WEB_BASE", "sam", "web_base"),
    ("FEDERAL_REGISTER_BASE", "federal_register", "base"),
    ("SOLESOURCE_DATA", "", "data_dir"),
    ("SMTP_HOST", "smtp", "host"),
    ("SMTP_PORT", "smtp", "port"),
    ("SMTP_SECURITY", "smtp", "security"),
    ("SMTP_USERNAME", "smtp", "username"),
    ("SMTP_FROM", "smtp", "sender"),
    ("SOLESOURCE_EXTRACT_WORKERS", "", "extract_workers"),
    ("SOLESOURCE_PUBLIC_URL", "", "public_url"),
    ("USASPENDING_BASE", "usaspending", "base"),
    ("USASPENDING_BUDGET", "usaspending", "budget"),
)
ENV_SECRETS: tuple[tuple[str, str, str], ...] = (
    ("SAM_API_KEY", "sam", "api_key"),
    ("SMTP_PASSWORD", "smtp", "password"),
    ("SOLESOURCE_SECRET_KEY", "", "secret_key"),
    ("SOLESOURCE_EXTRACT_QUEUE", "", "extract_queue"),
)
_ATTR = {"sam": "sam", "federal_register": "federal_register", "smtp": "smtp",
         "usaspending": "usaspending"}
# Settings given only by the environment (no TOML key): Settings field -> variable.
ENV_ONLY = {"allow_loopback": "SOLESOURCE_ALLOW_LOOPBACK", "now": "SOLESOURCE_NOW",
            "lock_wait": "SOLESOURCE_LOCK_WAIT", "cache_dir": "SOLESOURCE_CACHE"}


def _from_env(text: str, default: Any, name: str) -> Any:
    """An environment variable's text as the type of ``default``."""
    kind = _kind_of(default)
    try:
        if kind == "whole number":
            return int(text.strip())
        if kind == "number":
            return float(text.strip())
    except ValueError:
        raise ConfigError(f"{name}={short_repr(text)} is not a {kind}") from None
    return Path(text) if isinstance(default, Path) else text


def _set(s: Settings, section: str, key: str, value: Any) -> Settings:
    if not section:
        return replace(s, **{key: value})
    part = getattr(s, _ATTR[section])
    return replace(s, **{_ATTR[section]: replace(part, **{key: value})})


def _apply_env(s: Settings, env: dict[str, str]) -> Settings:
    """Environment variables over the TOML file, each checked by the rule of the key it
    replaces; ConfigError naming the variable."""
    for name, section, key in ENV_SECRETS:
        if (secret := _secret_from_env(env, name)) is not None:
            s = _set(s, section, key, secret)
    for name, section, key in ENV_SETTINGS:
        if env.get(name):
            default = getattr(getattr(s, _ATTR[section]) if section else s, key)
            value = _from_env(env[name], default, name)
            _check(section, key, str(value) if isinstance(value, Path) else value, name)
            s = _set(s, section, key, value)
    return s


def _apply_env_only(s: Settings, env: dict[str, str]) -> Settings:
    """The settings only the environment gives: SOLESOURCE_ALLOW_LOOPBACK (exactly "1"),
    SOLESOURCE_CACHE (else XDG_CACHE_HOME/solesource), SOLESOURCE_NOW (an ISO 8601
    date-time; without a zone it is UTC) and
    SOLESOURCE_LOCK_WAIT (kept as written: ``monitor.lock.wait_seconds`` checks it when a
    command takes the lock). ConfigError naming the variable for a bad SOLESOURCE_NOW."""
    now = None
    pinned = env.get("SOLESOURCE_NOW")
    if pinned:
        try:
            now = datetime.fromisoformat(pinned.strip())
        except ValueError:
            raise ConfigError(
                f"SOLESOURCE_NOW={short_repr(pinned, 40)} is not an ISO 8601 date-time (e.g. "
                "2025-04-30T14:00:00Z); unset it to use the real clock") from None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    cache = env.get("SOLESOURCE_CACHE") or (
        str(Path(env["XDG_CACHE_HOME"]) / "solesource") if env.get("XDG_CACHE_HOME") else "")
    return replace(s, allow_loopback=env.get("SOLESOURCE_ALLOW_LOOPBACK") == "1", now=now,
                   lock_wait=env.get("SOLESOURCE_LOCK_WAIT", ""),
                   cache_dir=Path(cache) if cache else None)
