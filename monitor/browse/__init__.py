"""``solesource serve``: Datasette over the public database, configured for reading.

Only the public database is ever handed to Datasette. A file that holds subscriber tables is
refused, so the private database cannot be served by mistake.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from monitor import schema
from monitor.settings import ConfigError, Settings
from monitor.store import open_db

HERE = Path(__file__).parent
NAME = "solesource"
PRIVATE_TABLES = {"subscribers", "subscriptions", "outbox", "deliveries", "secrets", "quota",
                  "cursors", "runs"}
SETTINGS = {"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "default_page_size": 50,
            "suggest_facets": False,
            "truncate_cells_html": 300, "max_returned_rows": 2000}


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


def unsubscriber(settings: Settings, clock: Callable[[], datetime]) -> Unsubscribe | None:
    """The unsubscribe handler for links in emails, if the private database is here."""
    if not settings.private_db.exists():
        return None

    def handle(subscription_id: int, token: str) -> bool | None:
        from monitor.pipeline import open_store
        from monitor.subscriptions import unsubscribe_with_token

        store = open_store(settings)
        try:
            return unsubscribe_with_token(store, settings, subscription_id, token, clock())
        finally:
            store.close()
    return handle


def make_datasette(path: Path, data_dir: Path | None = None,
                   private_path: Path | None = None,
                   unsubscribe: Unsubscribe | None = None) -> Any:
    """A configured Datasette instance over the public database at ``path``.

    ``unsubscribe(subscription_id, token)`` handles the signed links in emails (it is the one
    thing that touches the private database, and only through that function)."""
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from monitor.browse import plugin

    check_public(path, private_path)
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
