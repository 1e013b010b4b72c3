"""``solesource serve``: Datasette over the public database, configured for reading.

Only the public database is ever handed to Datasette. A file that holds subscriber tables is
refused, so the private database cannot be served by mistake.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from monitor import schema
from monitor.settings import ConfigError, Secret, Settings
from monitor.store import open_db, open_store

HERE = Path(__file__).parent
NAME = "solesource"
PRIVATE_TABLES = {"subscribers", "subscriptions", "outbox", "deliveries", "secrets", "quota",
                  "cursors", "runs"}
SETTINGS = {"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "default_page_size": 50,
            "suggest_facets": False, "default_facet_size": 5,
            "truncate_cells_html": 80, "max_returned_rows": 2000}


def check_public(path: Path, private_path: Path | None = None) -> None:
    """Refuse anything but a solesource public database."""
    if not path.is_file():
        raise ConfigError(f"No database at {path}. Run `solesource poll` (or `solesource demo`)"
                          " first, or pass the path of your solesource.db.")
    if private_path is not None and path.resolve() == private_path.resolve():
        raise ConfigError(f"{path} is the private database (subscribers, outbox, secrets); "
                          "only the public database may be served.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path} is not a SQLite database ({exc}).") from exc
    private = ", ".join(sorted(tables & PRIVATE_TABLES))
    if private:
        raise ConfigError(f"{path} holds private tables ({private}); refusing to serve it. "
                          "Serve the public solesource.db instead.")
    if "notices" not in tables:
        raise ConfigError(f"{path} is not a solesource public database (no notices table).")


def metadata() -> dict[str, Any]:
    return yaml.safe_load((HERE / "metadata.yaml").read_text())


Unsubscribe = Callable[[int, str], "bool | None"]


@dataclass
class Options:
    """What the plugin needs beyond the public database; never shown to visitors."""
    data_dir: Path
    unsubscribe: Unsubscribe | None = None


@dataclass(frozen=True)
class Unsubscriber:
    """Handles the signed unsubscribe links in emails against one private database.

    Calling it with ``(subscription_id, token)`` returns None when the token is not valid for
    that subscription, else whether the subscription was active until now."""
    settings: Settings
    clock: Callable[[], datetime]

    def __call__(self, subscription_id: int, token: str) -> bool | None:
        from notifications.subscriptions import unsubscribe_with_token

        with open_store(self.settings) as store:
            return unsubscribe_with_token(store, self.settings.delivery, subscription_id, token,
                                          self.clock())

    def serving(self, public_db: Path) -> Unsubscriber | None:
        """The handler for the private database that belongs with ``public_db``: the
        configured one when ``public_db`` is the configured public database, else the
        ``private.db`` beside it (``solesource serve demo-output/solesource.db`` answers the
        demo email's links). A private database found beside another folder's public one
        signs with the key stored in it, not the configured ``secret_key``. None when there
        is no private database to check tokens against."""
        settings = self.settings
        if public_db.resolve() != settings.public_db.resolve():
            beside = public_db.parent / settings.private_db.name
            if not beside.is_file():
                return None
            settings = replace(settings, data_dir=public_db.parent, secret_key=Secret(""))
        if not settings.private_db.is_file():
            return None
        return Unsubscriber(settings, self.clock)


def unsubscriber(settings: Settings, clock: Callable[[], datetime]) -> Unsubscriber:
    """The unsubscribe handler for links in emails; ``make_datasette`` binds it to the private
    database that goes with the database being served (see ``Unsubscriber.serving``)."""
    return Unsubscriber(settings, clock)


def quiet_datasette_errors() -> None:
    """Datasette 0.65 prints every error (every 404 too) with rich's traceback and its local
    variables — request addresses with their tokens included — and crashes with a 500 on a
    path no route matches (rich's print_exception outside an ``except`` block). Turned off:
    errors are rendered as pages and real failures still go to the log."""
    import datasette.handle_exception as handle_exception

    handle_exception.rich = None  # type: ignore[attr-defined]


def make_datasette(path: Path, data_dir: Path | None = None,
                   private_path: Path | None = None,
                   unsubscribe: Unsubscribe | None = None) -> Any:
    """A configured Datasette instance over the public database at ``path``.

    ``unsubscribe(subscription_id, token)`` handles the signed links in emails (it is the one
    thing that touches the private database, and only through that function); an
    ``Unsubscriber`` is bound to the private database that belongs with ``path``."""
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from monitor.browse import plugin

    check_public(path, private_path)
    quiet_datasette_errors()
    if isinstance(unsubscribe, Unsubscriber):
        unsubscribe = unsubscribe.serving(path)
    open_db(path, schema.public).close()  # bring an older database's schema up to date
    if not pm.is_registered(plugin):
        pm.register(plugin, name="solesource")
    ds = Datasette(metadata=metadata(), template_dir=str(HERE / "templates"), settings=SETTINGS)
    ds.solesource = Options((data_dir or path.parent).resolve(), unsubscribe)
    ds.remove_database("_memory")
    ds.add_database(Database(ds, path=str(path), is_mutable=True), name=NAME)
    return ds


def serve(path: Path, host: str, port: int, data_dir: Path | None = None,
          private_path: Path | None = None, ready: Callable[[str], None] | None = None,
          unsubscribe: Unsubscribe | None = None) -> None:
    """Serve until interrupted. The socket is bound before ``ready`` is told the address
    (port 0 picks a free one), so whoever waits for it can connect at once."""
    import uvicorn

    ds = make_datasette(path, data_dir, private_path, unsubscribe)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror}); "
                          "pick another --port") from None
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    if ready is not None:
        ready(f"http://{shown}:{bound}/")
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning"))
    server.run(sockets=[sock])
