"""Configuration: one frozen Settings object, read once from a TOML file and the environment.

Precedence (highest first): environment variables, the TOML file, built-in defaults.
Secrets may also be given as ``NAME_FILE`` (a path whose contents are the secret).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
    public_url: str = "http://127.0.0.1:8001"  # where `solesource serve` is reachable
    secret_key: Secret = Secret("")  # signs unsubscribe links; generated if not given

    @property
    def public_db(self) -> Path:
        return self.data_dir / "solesource.db"

    @property
    def private_db(self) -> Path:
        return self.data_dir / "private.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @classmethod
    def load(
        cls, config: Path | None = None, env: dict[str, str] | None = None, **overrides: Any
    ) -> Settings:
        env = dict(os.environ if env is None else env)
        data = _read_toml(config, env)
        sam_t, fr_t = data.pop("sam", {}), data.pop("federal_register", {})
        smtp_t = data.pop("smtp", {})
        sam = SamSettings(**_coerce(SamSettings, sam_t))
        fr = FederalRegisterSettings(**_coerce(FederalRegisterSettings, fr_t))
        smtp = SmtpSettings(**_coerce(SmtpSettings, smtp_t))
        top = _coerce(cls, data)
        settings = cls(sam=sam, federal_register=fr, smtp=smtp, **top)
        return _apply_env(settings, env).with_overrides(**overrides)

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


def _read_toml(config: Path | None, env: dict[str, str]) -> dict[str, Any]:
    path = config or (Path(env["SOLESOURCE_CONFIG"]) if env.get("SOLESOURCE_CONFIG") else None)
    if path is None:
        path = next((Path(n) for n in DEFAULT_CONFIG_NAMES if Path(n).exists()), None)
        if path is None:
            return {}
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist; create it or drop --config")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _coerce(kind: type, values: dict[str, Any]) -> dict[str, Any]:
    known = {f.name: f for f in kind.__dataclass_fields__.values()}  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r} in [{kind.__name__}]; see README")
        default = getattr(kind(), key)
        if isinstance(default, Secret):
            value = Secret(str(value))
        elif isinstance(default, tuple):
            value = tuple(value)
        elif isinstance(default, Path):
            value = Path(value)
        out[key] = value
    return out


def _secret_from_env(env: dict[str, str], name: str) -> Secret | None:
    if env.get(name):
        return Secret(env[name].strip())
    if env.get(f"{name}_FILE"):
        return Secret(Path(env[f"{name}_FILE"]).read_text(encoding="utf-8").strip())
    return None


def _apply_env(s: Settings, env: dict[str, str]) -> Settings:
    sam = s.sam
    if (key := _secret_from_env(env, "SAM_API_KEY")) is not None:
        sam = replace(sam, api_key=key)
    for name, attr, conv in (
        ("SAM_DAILY_BUDGET", "daily_budget", int),
        ("SAM_API_BASE", "api_base", str),
        ("SAM_WEB_BASE", "web_base", str),
    ):
        if env.get(name):
            try:
                sam = replace(sam, **{attr: conv(env[name])})
            except ValueError:
                raise ConfigError(f"{name}={env[name]!r} is not a valid {conv.__name__}") from None
    s = replace(s, sam=sam)
    if env.get("FEDERAL_REGISTER_BASE"):
        fr = replace(s.federal_register, base=env["FEDERAL_REGISTER_BASE"])
        s = replace(s, federal_register=fr)
    if env.get("SOLESOURCE_DATA"):
        s = replace(s, data_dir=Path(env["SOLESOURCE_DATA"]))
    smtp = s.smtp
    if (password := _secret_from_env(env, "SMTP_PASSWORD")) is not None:
        smtp = replace(smtp, password=password)
    for name, attr, conv in (("SMTP_HOST", "host", str), ("SMTP_PORT", "port", int),
                             ("SMTP_SECURITY", "security", str),
                             ("SMTP_USERNAME", "username", str), ("SMTP_FROM", "sender", str)):
        if env.get(name):
            try:
                smtp = replace(smtp, **{attr: conv(env[name])})
            except ValueError:
                raise ConfigError(f"{name}={env[name]!r} is not a valid {conv.__name__}") from None
    s = replace(s, smtp=smtp)
    if (key := _secret_from_env(env, "SOLESOURCE_SECRET_KEY")) is not None:
        s = replace(s, secret_key=key)
    if env.get("SOLESOURCE_EXTRACT_WORKERS"):
        try:
            s = replace(s, extract_workers=int(env["SOLESOURCE_EXTRACT_WORKERS"]))
        except ValueError:
            raise ConfigError(f"SOLESOURCE_EXTRACT_WORKERS={env['SOLESOURCE_EXTRACT_WORKERS']!r}"
                              " is not a whole number") from None
    if (queue := _secret_from_env(env, "SOLESOURCE_EXTRACT_QUEUE")) is not None:
        s = replace(s, extract_queue=queue)
    if env.get("SOLESOURCE_PUBLIC_URL"):
        s = replace(s, public_url=env["SOLESOURCE_PUBLIC_URL"])
    return s
