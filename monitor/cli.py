"""The ``solesource`` command: a thin shell over ``monitor.pipeline``."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table
from rich.text import Text

import fastscan
from monitor import __version__, pipeline
from monitor.settings import ConfigError, Settings, short_repr
from monitor.sources import load_sources
from monitor.store import open_store
from notifications.matching import EVENTS
from notifications.subscriptions import AUTHORITIES, KINDS

if TYPE_CHECKING:
    from extractors import Evidence, Extraction

_cut = partial(short_repr, limit=40)  # a bad value quoted in an error line
console = Console(stderr=True)
out = Console()


class RichProgress:
    """Draws one rich progress bar per task reported by the pipeline."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), console=console, transient=True)
        self.tasks: dict[str, Any] = {}

    def update(self, task: str, completed: int, total: int | None = None) -> None:
        if task not in self.tasks:
            self.tasks[task] = self.bars.add_task(task, total=total)
        self.bars.update(self.tasks[task], completed=completed, total=total)

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()


def _clock() -> pipeline.Clock:
    """The command's clock: pinned by ``SOLESOURCE_NOW`` (``Settings.now``: replaying
    recorded data, tests), else real time. Settings.load has already refused a bad value."""
    settings = click.get_current_context().find_object(Settings)
    fixed = settings.now if settings is not None else None
    return pipeline.system_clock if fixed is None else (lambda: fixed)


class _Group(click.Group):
    """Turns a busy data folder and a full disk into one line and an exit code (75, 74)."""

    def invoke(self, ctx: click.Context) -> Any:
        from monitor.lock import LockBusy, LockWaitError
        from monitor.store import disk_full_line

        try:
            return super().invoke(ctx)
        except (LockBusy, LockWaitError) as exc:
            raise _Failure(str(exc), 75 if isinstance(exc, LockBusy) else 2) from None
        except (OSError, sqlite3.Error) as exc:
            data_dir = getattr(ctx.obj, "data_dir", None) or Path("the data folder")
            line = disk_full_line(exc, data_dir)
            if line is None:
                raise
            raise _Failure(line, 74) from None


class _Failure(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _exclusive(settings: Settings) -> Any:
    """The data folder's single-writer lock (see monitor/lock.py)."""
    from monitor.lock import hold, wait_seconds

    return hold(settings.data_dir, wait_seconds(settings.lock_wait))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="solesource")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="TOML settings file (default: ./solesource.toml or $SOLESOURCE_CONFIG).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the databases and attachments live (default: ./solesource-data "
                   "or $SOLESOURCE_DATA).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, data_dir: Path | None, verbose: int) -> None:
    """Watch SAM.gov and the Federal Register for sole-source justifications.

    Data flows one way: sources → store → extract → match → deliver. Start with
    `solesource init`, then `solesource poll`, or `solesource demo` to try it offline.
    """
    level = max(logging.DEBUG, logging.WARNING - 10 * verbose)
    logging.basicConfig(level=level, format="%(message)s", datefmt="%H:%M:%S",
                        handlers=[RichHandler(console=console, show_path=False)])
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        ctx.obj = Settings.load(config, data_dir=data_dir)
    except (ConfigError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    fastscan.configure(ctx.obj.cache_dir)  # compiled patterns kept where the user said
    _check_folder(ctx.obj.data_dir, "the data folder (--data-dir / SOLESOURCE_DATA / data_dir)")


def _check_folder(path: Path, what: str) -> None:
    """ClickException unless ``path`` is a folder or can be made one (no file in the way)."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise click.ClickException(f"{what} {path} cannot be a folder: {part} is a "
                                           "file; give a folder")
            return


@cli.command()
@click.pass_obj
def init(settings: Settings) -> None:
    """Create the public and private databases (safe to run again)."""
    with open_store(settings):  # creates (or brings up to date) both databases
        pass
    out.print(f"public database:  {settings.public_db}  (what `solesource serve` shows)")
    out.print(f"private database: {settings.private_db}  (cursors, quota, subscribers; "
              "never served)")


SOURCE_CHOICE = click.Choice(sorted(load_sources()))


@cli.command()
@click.option("--source", "sources", multiple=True, type=SOURCE_CHOICE,
              help="Poll only these sources (repeatable). Default: all; SAM.gov only when "
                   "SAM_API_KEY is set.")
@click.pass_obj
def poll(settings: Settings, sources: tuple[str, ...]) -> None:
    """Fetch what is new from each source once (within SAM.gov's daily budget), then
    extract vendor, amount, authority and dates from every new document."""
    names = list(sources) or _default_sources(settings)
    with _exclusive(settings), RichProgress() as progress:
        results = pipeline.cycle(settings, names, clock=_clock(), progress=progress)
    _report(results)


def _default_sources(settings: Settings) -> list[str]:
    names = sorted(load_sources())
    if not settings.sam.api_key:
        console.print("[yellow]SAM_API_KEY is not set: skipping SAM.gov "
                      "(set it to poll justifications there).[/]")
        names.remove("samgov")
    return names


def _report(results: list[pipeline.RunResult]) -> None:
    table = Table("source", "status", "fetched", "new", "updated", "requests", "note")
    for r in results:
        table.add_row(r.source, r.status, str(r.stats.fetched), str(r.stats.new),
                      str(r.stats.updated), str(r.stats.requests), (r.error or "")[:90])
    out.print(table)
    failed = [r for r in results if r.status in ("error", "auth")]
    for r in failed:
        console.print(f"[red]error[/] {r.source}: {r.error}")
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--budget", type=click.IntRange(1, 1_000_000), default=None,
              help="Requests this run may make (default: [usaspending] budget).")
@click.pass_obj
def enrich(settings: Settings, budget: int | None) -> None:
    """Find each justification's award and parent vehicle in USAspending (keyless, about
    one request a second): identifiers not found yet are retried later with backoff, found
    awards re-checked often in their first months and rarely after a year."""
    from dataclasses import replace

    if budget is not None:
        settings = replace(settings, usaspending=replace(settings.usaspending, budget=budget))
    with _exclusive(settings), RichProgress() as progress:
        result = pipeline.enrich(settings, clock=_clock(), progress=progress)
    _report([result])


BACKFILL_CHOICE = click.Choice(sorted(n for n, c in load_sources().items()
                                     if hasattr(c, "backfill")))
OLDEST = date(1994, 1, 1)  # the Federal Register's online documents begin in 1994


@cli.command()
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First posted date (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last posted date (YYYY-MM-DD), today at the latest.")
@click.option("--source", default="samgov", type=BACKFILL_CHOICE, show_default=True)
@click.option("--csv", "csv_location", default=None, metavar="PATH|URL",
              help="Read SAM.gov's Contract Opportunities CSV instead of the API (no quota). "
                   "Pass 'default' for the official extract URL.")
@click.pass_obj
def backfill(settings: Settings, date_from: datetime, date_to: datetime, source: str,
             csv_location: str | None) -> None:
    """Fetch a past date range. API backfills resume tomorrow when today's budget runs out."""
    first, last = _backfill_range(date_from.date(), date_to.date(), _clock()().date())
    if csv_location is not None and source != "samgov":
        raise click.BadParameter("reads SAM.gov's data extract; drop --source or --csv",
                                 param_hint="'--csv'")
    if csv_location not in (None, "default") and not csv_location.startswith(
            ("https://", "http://")) and not Path(csv_location).is_file():
        raise click.BadParameter(f"{_cut(csv_location)} is neither a file nor an http(s) URL",
                                 param_hint="'--csv'")
    if csv_location == "default":
        csv_location = settings.csv_url
    with _exclusive(settings), RichProgress() as progress:
        result = pipeline.backfill(settings, source, first, last,
                                   csv=csv_location, clock=_clock(), progress=progress)
    _report([result])


def _backfill_range(first: date, last: date, today: date) -> tuple[date, date]:
    """``(first, last)`` when they make a range that can hold postings; else a UsageError
    naming the option, before any request is spent."""
    if first > last:
        raise click.BadParameter(f"{first} is after --to {last}; swap them",
                                 param_hint="'--from'")
    for name, day in (("--from", first), ("--to", last)):
        if day > today:
            raise click.BadParameter(f"{day} is in the future (today is {today}); nothing "
                                     "has been posted yet", param_hint=f"'{name}'")
    if first < OLDEST:
        raise click.BadParameter(f"{first} is before {OLDEST}, where the sources' online "
                                 "records begin", param_hint="'--from'")
    return first, last


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(settings: Settings, as_json: bool) -> None:
    """Last runs, SAM.gov quota left today, counts and errors."""
    info = pipeline.status(settings, clock=_clock())
    if as_json:
        out.print_json(json.dumps(info, default=str))
        return
    out.print(f"[bold]public[/] {info['public_db']}   [bold]private[/] {info['private_db']}")
    counts = info["counts"]
    out.print("counts: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    if counts.get("attachments_missing") or counts.get("attachments_damaged"):
        out.print(f"[red]stored files gone bad[/]: {counts.get('attachments_missing', 0)} "
                  f"missing, {counts.get('attachments_damaged', 0)} truncated or damaged; "
                  "the next poll fetches them again (attachments where state is "
                  "'missing' or 'damaged')")
    if counts.get("scans_unread"):
        out.print(f"[red]scanned documents not read[/]: {counts['scans_unread']} document(s) "
                  "have scanned pages that could not be read because tesseract is not "
                  "installed (install tesseract-ocr, e.g. apt-get install tesseract-ocr)")
    if any(info["award_lookups"].values()):
        a = info["award_lookups"]
        out.print(f"USAspending lookups: {a['pending']} pending, {a['not_found']} not yet in "
                  f"USAspending (retried later), {a['found']} found, {a['gave_up']} given up, "
                  f"{a['error']} failed, {a['skipped']} not needed; {a['awards']} awards, "
                  f"{a['award_versions']} versions")
    q = info["quota"]
    out.print("SAM.gov quota today: " + (
        f"{q['used']}/{q['budget']} used, {q['remaining']} left"
        + (f", blocked until {q['blocked_until']}" if q.get("blocked_until") else "")
        if "used" in q else "no SAM_API_KEY set"))
    if info["outbox"]:
        out.print("outbox: " + ", ".join(f"{k}={v}" for k, v in sorted(info["outbox"].items())))
    for dead in info["dead_letters"]:
        out.print(f"[red]dead letter[/] #{dead['id']} (subscription {dead['subscription_id']}, "
                  f"{dead['kind']}): {dead['last_error']}")
    for sub in info["disabled_subscriptions"]:
        out.print(f"[red]disabled[/] subscription {sub['id']}: {sub['reason']}")
    for job in info["backfills"]:
        out.print(f"backfill {job['date_from']}..{job['date_to']}: offset {job['offset']}"
                  f" of {job['total'] or '?'} ({job['state']})")
    table = Table("run", "source", "kind", "started", "status", "new", "updated", "req", "error")
    for r in info["runs"]:
        table.add_row(str(r["id"]), r["source"], r["kind"], r["started_at"], r["status"],
                      str(r["new"]), str(r["updated"]), str(r["requests"]), (r["error"] or "")[:60])
    out.print(table)


SUBSCRIPTION_ID = click.IntRange(1, 2**63 - 1)  # what SQLite can hold


@cli.group()
def subscribe() -> None:
    """Who gets told about what: add, list, remove, test and import subscriptions.

    A subscription is a channel (an email address, a Slack incoming-webhook URL, or a
    webhook URL with a signing secret) plus filters. Filters AND together; repeat an option
    to OR its values. "--agency DHS" includes ICE and CBP; "--agency ICE" matches every
    alias of ICE.
    """


@subscribe.command("add")
@click.argument("subscriber")
@click.option("--email", help="Send to this address.")
@click.option("--slack", help="A Slack incoming-webhook URL.")
@click.option("--webhook", help="A URL that receives signed JSON (https).")
@click.option("--secret", help="The webhook's HMAC signing secret.")
@click.option("--owner-email", help="Where to say so if the Slack/webhook endpoint dies.")
@click.option("--agency", "agencies", multiple=True, help="e.g. DHS, ICE, 'Department of the "
              "Army' (children included); any name, alias or acronym of "
              "extractors/data/agencies.toml.")
@click.option("--vendor", "vendors", multiple=True, help="A vendor name or UEI.")
@click.option("--min-amount", type=float, help="Only amounts at least this (USD).")
@click.option("--max-amount", type=float, help="Only amounts at most this (USD).")
@click.option("--authority", "authorities", multiple=True,
              help="Authority category: " + ", ".join(AUTHORITIES) + ".")
@click.option("--kind", "kinds", multiple=True,
              help="justification, intent_to_sole_source, or a document kind: "
                   + ", ".join(KINDS[2:]) + ".")
@click.option("--keyword", "keywords", multiple=True, help="Words in the title or text.")
@click.option("--naics", multiple=True, help="A 6-digit NAICS code.")
@click.option("--psc", multiple=True, help="A 4-character product/service code.")
@click.option("--source", "sources", multiple=True, help="samgov, fedreg or feed.")
@click.option("--event", "events", multiple=True,
              help="Also tell of what happens after posting, once each: "
                   + "; ".join(f"{k} ({v})" for k, v in EVENTS.items()) + ".")
@click.option("--cadence", type=click.Choice(["immediate", "daily", "weekly"]),
              default="immediate", show_default=True, help="Email only: digest cadence.")
@click.option("--hour", type=int, default=8, show_default=True,
              help="Digest hour (0-23) in the subscriber's time zone.")
@click.option("--weekday", default="mon", show_default=True, help="Weekly digest day.")
@click.option("--tz", "timezone", default="America/New_York", show_default=True)
@click.option("--remind-days", type=int, default=None,
              help="Also remind this many days before a response deadline (e.g. 3).")
@click.pass_obj
def subscribe_add(settings: Settings, subscriber: str, **options: Any) -> None:
    """Add a subscription for SUBSCRIBER (a person or newsroom name)."""
    from notifications import ConfigurationError
    from notifications.subscriptions import cli_option, insert, parse

    plural = {"agencies": "agency", "vendors": "vendor", "authorities": "authority",
              "kinds": "kind", "keywords": "keyword", "sources": "source", "timezone": "tz",
              "events": "event"}
    raw = {plural.get(k, k): v for k, v in options.items() if v not in (None, ())}
    try:
        new = parse(raw | {"subscriber": subscriber}, cli_option,
                    allow_loopback=settings.allow_loopback)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    with open_store(settings) as store:
        sub_id = insert(store, [new], _clock()())[0]
    out.print(f"subscription {sub_id} added for {new.subscriber}: {new.filters.describe()}",
              markup=False, highlight=False, soft_wrap=True)


@subscribe.command("list")
@click.pass_obj
def subscribe_list(settings: Settings) -> None:
    """Every subscription, with its target masked."""
    from notifications.subscriptions import describe, load

    with open_store(settings) as store:
        subs = load(store)
    if not subs:
        out.print("no subscriptions yet: solesource subscribe add --help")
    for sub in subs:  # a block each: readable at 80 columns, nothing cut
        d = describe(sub)
        head = Text(f"#{d['id']} ", style="bold")
        head.append(str(d["subscriber"]), style="bold")
        head.append(f" — {d['state']}")
        out.print(head)
        for label, key in (("to", "target"), ("when", "cadence"), ("filters", "filters")):
            line = Text(f"   {label + ':':9}")
            line.append(str(d[key]))
            out.print(line, overflow="fold")


@subscribe.command("remove")
@click.argument("subscription_id", type=SUBSCRIPTION_ID)
@click.pass_obj
def subscribe_remove(settings: Settings, subscription_id: int) -> None:
    """Stop a subscription (what it had queued is cancelled)."""
    from notifications.subscriptions import remove

    with open_store(settings) as store:
        done = remove(store, subscription_id, _clock()())
    if not done:
        raise click.ClickException(f"no active subscription {subscription_id}")
    out.print(f"subscription {subscription_id} removed")


@subscribe.command("test")
@click.argument("subscription_id", type=SUBSCRIPTION_ID)
@click.pass_obj
def subscribe_test(settings: Settings, subscription_id: int) -> None:
    """Send a test message to a subscription's channel now."""
    from monitor.http import make_client
    from notifications import Item, Message
    from notifications.delivery import notifiers
    from notifications.subscriptions import load

    with open_store(settings) as store:
        subs = load(store, subscription_id)
    if not subs:
        raise click.ClickException(f"no subscription {subscription_id}")
    sub = subs[0]
    item = Item(key=f"test:{sub.id}", kind="match", title="solesource test message",
                agency="Test agency", agency_path="Test", vendor="Example Vendor Inc.",
                amount_usd=1_000_000, redacted_amount=False,
                authority="unusual and compelling urgency", citations=["FAR 6.302-2"],
                key_dates=[], rationale="This is a test.", quote=None, notice_type=None,
                posted_date=None, source_url=None, browse_url=None, why="a test you asked for")
    with make_client(timeout=settings.http_timeout) as client:
        result = notifiers(settings.delivery, client)[sub.target.channel].send(
            Message(sub.id, sub.subscriber, "solesource test message", (item,)), sub.target)
    if not result.ok:
        raise click.ClickException(f"{result.target}: {result.status or ''} {result.error}")
    out.print(f"sent a test message to {result.target}")


@subscribe.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.pass_obj
def subscribe_import(settings: Settings, path: Path) -> None:
    """Add the [[subscription]] tables of a TOML file: all of them, or none if any is
    invalid. The keys are the `subscribe add` options with underscores (see README,
    Notifications)."""
    from notifications import ConfigurationError
    from notifications.subscriptions import insert, read_import

    try:
        subs = read_import(path, allow_loopback=settings.allow_loopback)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    with open_store(settings) as store:
        ids = insert(store, subs, _clock()())
    out.print(f"imported {len(ids)} subscriptions from {path}", markup=False, highlight=False)


@cli.command()
@click.pass_obj
def deliver(settings: Settings) -> None:
    """Match new justifications and send what is due: email, Slack, webhooks. Failed sends
    are retried with backoff for about two days, then dead-lettered (see `status`)."""
    with _exclusive(settings):
        pipeline.match(settings, clock=_clock())
        stats = pipeline.deliver(settings, clock=_clock())
    out.print(f"sent {stats.sent}, will retry {stats.failed}, gave up {stats.dead}, "
              f"skipped {stats.skipped}")


@cli.command()
@click.argument("subscription_id", type=SUBSCRIPTION_ID)
@click.argument("token")
@click.pass_obj
def unsubscribe(settings: Settings, subscription_id: int, token: str) -> None:
    """Unsubscribe with the signed token from an email's unsubscribe link."""
    from notifications.subscriptions import unsubscribe_with_token

    with open_store(settings) as store:
        done = unsubscribe_with_token(store, settings.delivery, subscription_id, token,
                                      _clock()())
    if done is None:
        raise click.ClickException(f"that unsubscribe token is not valid for subscription "
                                   f"{subscription_id}; copy ID and TOKEN whole from the "
                                   "email's unsubscribe link")
    out.print(f"subscription {subscription_id} unsubscribed")


@cli.command()
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron).")
@click.pass_obj
def run(settings: Settings, once: bool) -> None:
    """The daemon: Federal Register every 30 minutes, SAM.gov as often as the budget allows."""
    with _exclusive(settings):
        try:  # a Ctrl-C right after the banner is a clean stop too
            if not once:
                console.print("solesource running; Ctrl-C to stop")
            pipeline.run_forever(settings, clock=_clock(), max_cycles=1 if once else None)
        except KeyboardInterrupt:
            console.print("stopped")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="table for people; jsonl is one SCHEMA.md object a line.")
def extract(paths: tuple[Path, ...], fmt: str) -> None:
    """Read vendor, amount, authority, rationale and dates out of documents.

    PATH is a PDF, DOCX, HTML or text file; a folder holding one document (the first of
    document.pdf, document.docx, document.html, text.txt; its name becomes the id, and a
    notice.json beside it adds the notice's class and response date); or any other folder,
    whose documents and document folders are read in name order. Every value comes
    with the quote, page and character span it was read from. Exits 1 when a document
    could not be read at all (each such path is named on stderr).
    """
    from extractors import extract as run_extract
    from extractors.files import SUFFIXES, iter_targets, load_target

    failed = 0
    for given in paths:
        targets = list(iter_targets(given))
        if not targets:
            click.echo(f"{given}: no documents in this folder (looked for "
                       f"{', '.join(SUFFIXES)} files and document folders)", err=True)
            failed += 1
        for path in targets:
            doc, notice, doc_id = load_target(path)
            result = run_extract(doc, notice, doc_id)
            unread = result.status in NOTHING_READ or not doc.text.strip()
            if fmt == "jsonl":
                click.echo(json.dumps(result.to_json(), ensure_ascii=False))
            elif fmt == "json":
                click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
            elif not unread:
                _print_extraction(result, path)
            if unread:
                failed += 1
                why = "; ".join(result.problems) or "it holds no text"
                click.echo(f"{path}: nothing could be read: {why}", err=True)
            else:
                for problem in result.problems:
                    if "tesseract" in problem:
                        click.echo(f"warning: {path}: {problem}", err=True)
    if failed:
        raise click.exceptions.Exit(1)


# what a document's status says when none of it could be read
NOTHING_READ = {"unreadable", "encrypted", "too_large", "error"}


def _print_extraction(r: Extraction, path: Path) -> None:
    """One document's values for people: each with the words it was read from, cut with "…"
    where it is long, under the file's own name (every ``document.pdf`` is not "document")."""
    from extractors import amount_kind_words, date_words, plain_words

    table = Table(title=f"{path}  ({r.doc_kind.replace('_', ' ')}, {r.status})",
                  show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value")
    table.add_column("from the document", style="dim")

    def quote(ev: Evidence | None) -> str:
        if not ev:
            return ""
        page = f"p.{ev.page} " if ev.page else ""
        return f'{page}"{_clip(" ".join(ev.quote.split()), 160)}"'

    agency = r.agency
    table.add_row("agency", " / ".join(agency.path if agency else ()) or "—",
                  agency.name if agency else "")
    for v in r.vendors[:3] or [None]:
        table.add_row("vendor", v.name if v else "— (not named)",
                      quote(v.evidence if v else None))
    a = r.amount
    money = ("redacted" if r.redacted_amount else "—") if not a or a.value_usd is None \
        else f"${a.value_usd:,.0f} ({amount_kind_words(a.kind)})"
    table.add_row("amount", money, quote(a.evidence if a else None))
    auth = r.authority
    table.add_row("authority", f"{plain_words(auth.category if auth else None)}"
                  + (f" — {', '.join(auth.citations)}" if auth and auth.citations else ""),
                  quote(auth.evidence if auth else None))
    rat = r.rationale
    table.add_row("rationale", _clip(rat.summary, 200) if rat else "—", "")
    for d in r.dates:
        if d.type != "other":
            table.add_row(date_words(d.type), d.date, quote(d.evidence))
    if r.notice is not None:
        table.add_row("notice", r.notice.notice_class.replace("_", " "),
                      r.notice.notice_reason or "")
        table.add_row("response due", r.notice.response_due or "—", "")
    for problem in r.problems:
        table.add_row("problem", problem, "")
    out.print(table)
    out.print()


@cli.command()
@click.option("--output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("demo-output"),
              show_default=True, help="Where the demo writes its databases and files.")
@click.pass_obj
def demo(settings: Settings, output: Path) -> None:
    """Poll a local replay of SAM.gov and the Federal Register loaded with demo data.

    No API key and no internet: everything runs on 127.0.0.1. Run it twice and the second
    run adds nothing.
    """
    from monitor.demo import run_demo

    _check_folder(output, "--output")
    summary = run_demo(output)
    _print_demo(summary)


def _print_demo(summary: dict[str, Any]) -> None:
    from extractors import plain_words

    results = summary["results"]
    _report_rows = Table("source", "status", "new", "updated", "requests")
    for r in results:
        _report_rows.add_row(r.source, r.status, str(r.stats.new), str(r.stats.updated),
                             str(r.stats.requests))
    out.print(_report_rows)
    table = Table(title="what solesource found (vendor, amount and authority read from the "
                        "documents)")
    table.add_column("posted", min_width=10, no_wrap=True)
    table.add_column("class", no_wrap=True)
    table.add_column("agency", max_width=22, no_wrap=True, overflow="ellipsis")
    table.add_column("vendor", max_width=26, no_wrap=True, overflow="ellipsis")
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("authority", max_width=24, no_wrap=True, overflow="ellipsis")
    short = {"justification": "J&A", "intent_to_sole_source": "intent", "neither": "-"}
    for n in summary["notices"]:
        amount = ("redacted" if n.get("redacted_amount") else "") if n.get("amount_usd") is None \
            else f"${n['amount_usd']:,.0f}"
        agency = (n.get("agency_normalized") or (n["agency_path"] or "").split(".")[-1])
        table.add_row(n["posted_date"] or "", short.get(n.get("notice_class") or "", "?"),
                      agency, n.get("vendor") or "", amount,
                      plain_words(n["authority_category"]) if n.get("authority_category") else "")
    out.print(table)
    new = sum(r.stats.new + r.stats.updated for r in results if r.source != "usaspending")
    _print_awards(summary.get("facts") or [])
    if (lookups := summary.get("lookups")) and lookups["not_found"]:
        out.print(f"{_count(lookups['not_found'], 'award number')} not in USAspending yet: "
                  "looked up again later (FPDS reaches it days to weeks late, DoD 90 days).")
    sent = summary["sent"]
    o = summary["output"]
    out.print(f"{'nothing new this time' if not new else f'{new} new or changed notices'}; "
              f"sent {_count(sent['slack'], 'Slack post')}, "
              f"{_count(sent['webhook'], 'signed webhook')} "
              f"(signatures {'valid' if summary['webhook_valid'] else 'INVALID'}) and "
              f"{_count(sent['email'], 'email digest')} (the next morning).")
    if summary.get("scans_unread"):
        out.print(f"[red]{summary['scans_unread']} scanned document(s) could not be read[/]: "
                  "tesseract is not installed, so what they say is missing above (install "
                  "tesseract-ocr, e.g. apt-get install tesseract-ocr, then run the demo "
                  "again with a fresh --output folder)")
    out.print(f"  public database   {summary['public_db']}")
    out.print(f"  private database  {summary['private_db']}  (subscribers, outbox; never "
              "served)")
    out.print(f"  email             {o / 'mail'}/*.eml and *.html previews")
    out.print(f"  Slack bodies      {o / 'slack'}/*.json")
    out.print(f"  webhook bodies    {o / 'webhook'}/*.json")
    out.print(f"Browse it: {_this_command()} serve {summary['public_db']}   then open "
              "http://127.0.0.1:8001/ (Ctrl-C stops it)")


def _print_awards(facts: list[dict[str, Any]]) -> None:
    """Follow the money: each demo justification linked to its award in USAspending, with
    what solesource states about the pair — its tier and its source."""
    if not facts:
        return
    out.print("[bold]Follow the money[/] — the demo's justifications and their awards in "
              "USAspending (demo records written by the project; ⚑ = an alert was sent):")
    current = None
    for f in facts:
        if f["notice_id"] != current:
            current = f["notice_id"]
            out.print(f"• {escape(f['agency'] or '')} — {escape(f['vendor'] or 'vendor not named')}"
                      f" — {escape(f['title'] or f['notice_id'])}", overflow="fold")
        mark = "⚑ " if f["flag"] else "  "
        out.print(f"  {mark}{escape('[' + f['tier'] + ']')} {escape(f['statement'])}",
                  overflow="fold")
        if f["source_url"]:  # whole, never cut: it is copied into a browser
            out.print(f"      source: {escape(f['source_label'] or '')} {f['source_url']}",
                      soft_wrap=True, crop=False)


def _clip(text: str, limit: int) -> str:
    """``text`` whole, or cut at a word with "…" to say it goes on."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _this_command() -> str:
    """How to type this program again: ``solesource`` where it is on PATH, else the path it was
    started by (``.venv/bin/solesource`` after ``make demo``)."""
    import shutil

    started = Path(sys.argv[0])
    if started.name == "solesource" and not shutil.which("solesource"):
        try:
            return str(started.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(started)
    return "solesource"


HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")  # a name, IPv4 or IPv6


@cli.command()
@click.argument("database", required=False, type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 to share on your network).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port.")
@click.pass_obj
def serve(settings: Settings, database: Path | None, host: str, port: int) -> None:
    """Browse justifications in Datasette: search, facets, questions, feeds and evidence.

    Serves DATABASE (default: the configured public solesource.db) and nothing else; the
    private database with subscribers and secrets is refused.
    """
    from monitor.browse import check_public, unsubscriber
    from monitor.browse import serve as run_server

    if not HOST.fullmatch(host):
        raise click.BadParameter(f"{_cut(host)} is not an address or host name (e.g. "
                                 "127.0.0.1, 0.0.0.0, ::1)", param_hint="'--host'")
    path = database or settings.public_db
    data_dir = path.parent if database else settings.data_dir
    try:
        check_public(path, settings.private_db)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    def ready(url: str) -> None:
        out.print(f"serving {path} on {url} — Ctrl-C to stop", soft_wrap=True)
        out.file.flush()

    try:
        run_server(path, host, port, data_dir=data_dir, private_path=settings.private_db,
                   ready=ready, unsubscribe=unsubscriber(settings, _clock()))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("replay-server")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port.")
@click.option("--data", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="A folder with samgov.json / fedreg.json (default: the demo "
                                 "data).")
@click.option("--daily-quota", default=1000, show_default=True, type=click.IntRange(1, None),
              help="Requests per day the key DEMO-KEY may make.")
@click.option("--now", "now_text", default=None, metavar="ISO-DATETIME",
              help="Where the replay's clock starts (default: 14:00 UTC on the newest "
                   "posting, 2025-04-30 for the demo data).")
def replay_server(port: int, data: Path | None, daily_quota: int, now_text: str | None) -> None:
    """Serve the local replay of SAM.gov / the Federal Register on 127.0.0.1, for trying
    the CLI offline. It prints the environment to paste into another shell: the base URLs,
    the key DEMO-KEY, its budget and SOLESOURCE_NOW (the demo data is from April 2025)."""
    from monitor.replay import Dataset, ReplayApp, ReplayServer

    try:
        dataset = Dataset.load(data) if data else Dataset.demo()
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{data} holds no readable samgov.json ({exc})",
                                 param_hint="'--data'") from None
    for name, records in (("samgov.json", dataset.notices), ("fedreg.json",
                                                            dataset.fr_documents)):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise click.BadParameter(f"{data}/{name} is not a list of records (JSON objects)",
                                     param_hint="'--data'")
    start = _replay_start(dataset if data else None, now_text)
    began = datetime.now(UTC)
    app = ReplayApp(dataset, clock=lambda: start + (datetime.now(UTC) - began),
                    keys={REPLAY_KEY: daily_quota})
    try:
        server = ReplayServer(app, port=port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
                                   "pick another --port, or 0 for a free one") from None
    out.print(f"replaying on {server.url} (its clock starts at {_iso(start)}) — Ctrl-C to "
              "stop", soft_wrap=True, markup=False, highlight=False)
    out.print("To use it, paste this into another shell:", highlight=False)
    out.print(replay_exports(server.url, start, daily_quota), soft_wrap=True, markup=False,
              highlight=False)
    out.print("then: solesource poll; solesource status  (solesource backfill --from "
              f"{(start - timedelta(days=29)).date()} --to {start.date()} finds the rest)",
              soft_wrap=True, markup=False, highlight=False)
    out.file.flush()
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        server.stop()


REPLAY_KEY = "DEMO-KEY"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def replay_exports(url: str, start: datetime, daily_quota: int) -> str:
    """The one line to paste so that the CLI polls the replay at ``url``: base URLs, the
    replay's key and budget, the pinned clock, and a data folder of its own."""
    env = {"SAM_API_BASE": url, "SAM_WEB_BASE": url, "FEDERAL_REGISTER_BASE": url,
           "USASPENDING_BASE": url, "SAM_API_KEY": REPLAY_KEY,
           "SAM_DAILY_BUDGET": str(min(daily_quota, 1_000_000)),
           "SOLESOURCE_NOW": _iso(start), "SOLESOURCE_DATA": "replay-data"}
    return "export " + " ".join(f"{k}={v}" for k, v in env.items())


def _replay_start(dataset: Any, now_text: str | None) -> datetime:
    """``--now``; else the demo's clock for the demo data (``dataset`` None), else 14:00 UTC
    on the dataset's newest posting (else now)."""
    if now_text is not None:
        try:
            start = datetime.fromisoformat(now_text.strip())
        except ValueError:
            raise click.BadParameter(f"{_cut(now_text)} is not an ISO 8601 date-time (e.g. "
                                     "2025-04-30T14:00:00Z)", param_hint="'--now'") from None
        return start if start.tzinfo else start.replace(tzinfo=UTC)
    if dataset is None:
        from monitor.demo import DEMO_NOW

        return DEMO_NOW
    days = [str(d)[:10] for d in (
        *(n.get("postedDate") for n in dataset.notices),
        *(d.get("publication_date") for d in dataset.fr_documents)) if d]
    try:
        newest = max(date.fromisoformat(d) for d in days)
    except ValueError:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.combine(newest, datetime.min.time(), UTC).replace(hour=14)


def main() -> None:  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()


