"""Keep a workspace's database open between the requests of a busy service, and give it back at once
when another process asks for it.

Opening a DuckDB file costs tens of milliseconds of CPU (DuckDB 2 builds a database instance: its
catalog of functions, buffers, threads), more than a real-time lookup itself. A process that serves
many short requests (the explorer, ``linkgraph match`` over HTTP) therefore keeps one connection
open — the *anchor* — so that each request's own connection reuses the open instance
(``duckdb.connect`` on a path already open in the process costs under a millisecond). The requests
still open and close their own connections, so each keeps its own transaction as before.

DuckDB lets one process at a time open a file for writing, so the anchor must not shut other
processes out:

* it is dropped after ``idle`` seconds without a request, and after ``hold`` seconds in any case
  (then none is taken for ``pause`` seconds, so a process that does not know this protocol gets
  a gap; its connection retries every 0.1 s);
* a linkgraph process that finds the file taken writes ``<workspace>.want`` (:func:`ask_for`) and
  retries; the holder sees it on its next request or within 0.1 s, drops the anchor and takes no
  other while the request stands (a ``want`` file older than ``WANT_STALE`` seconds is ignored).

Nothing changes for a process that does not ask for it (``linger=0``, the default of the library
and of one-shot commands).

Example (a workspace in memory has nothing to linger on; a file does)::

    >>> import duckdb, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.db")
    >>> anchor = Anchor(path, idle=5.0)
    >>> anchor.take(duckdb.connect(path))          # the first connection of a burst becomes the anchor
    >>> con = duckdb.connect(path); con.close()   # later ones reuse its instance (fast)
    >>> anchor.held
    True
    >>> anchor.drop(); anchor.held
    False
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb

#: A ``want`` file older than this (seconds) is left over from a process that gave up: ignored.
WANT_STALE = 5.0
#: How often a held anchor looks for a ``want`` file and for idleness (seconds).
TICK = 0.1


def want_path(target: str | Path) -> Path:
    """The file through which another process asks the holder of ``target`` to let it go."""
    return Path(str(target) + ".want")


def ask_for(target: str | Path) -> None:
    """Ask the process holding ``target`` open to let it go (touch ``<target>.want``)."""
    path = want_path(target)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        os.close(fd)
        os.utime(path)
    except OSError:  # a read-only folder: the holder's idle and hold limits still apply
        pass


def withdraw(target: str | Path) -> None:
    """The request is served (or abandoned): remove ``<target>.want``."""
    try:
        want_path(target).unlink()
    except OSError:
        pass


def wanted(target: str | Path) -> bool:
    """Whether another process asked for ``target`` within the last :data:`WANT_STALE` seconds."""
    try:
        return time.time() - want_path(target).stat().st_mtime < WANT_STALE
    except OSError:
        return False


class Anchor:
    """One connection that keeps ``path``'s database instance open while requests keep coming."""

    def __init__(self, path: str | Path, *, idle: float, hold: float = 10.0, pause: float = 0.3):
        self.path = str(path)
        self.idle, self.hold, self.pause = idle, hold, pause
        self._con: duckdb.DuckDBPyConnection | None = None
        self._read_only: bool | None = None
        self._since = self._last = 0.0
        self._no_anchor_until = 0.0
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._con is not None

    def may_take(self) -> bool:
        """Whether a new anchor may be taken now (not within a pause, not while another process asks)."""
        return time.monotonic() >= self._no_anchor_until and not wanted(self.path)

    def take(self, con: duckdb.DuckDBPyConnection, read_only: bool = False) -> None:
        """Keep ``con`` (a fresh connection to ``path``) open as the anchor, and watch it."""
        with self._lock:
            if self._con is not None:
                con.close()
                return
            now = time.monotonic()
            self._con, self._read_only, self._since, self._last = con, read_only, now, now
        self._watch()

    def mode(self) -> bool | None:
        """The anchor's mode (True: read-only), None when none is held."""
        return self._read_only if self._con is not None else None

    def touch(self) -> None:
        """A request used the instance: the idle clock restarts."""
        self._last = time.monotonic()

    def drop(self, pause: float = 0.0) -> None:
        """Close the anchor (the instance closes with the last request's connection)."""
        with self._lock:
            con, self._con = self._con, None
            if pause:
                self._no_anchor_until = time.monotonic() + pause
        if con is not None:
            try:
                con.close()
            except duckdb.Error:  # pragma: no cover - closing a connection whose file vanished
                pass

    def _due(self) -> float:
        """The pause to start if the anchor must go now, else -1."""
        now = time.monotonic()
        if wanted(self.path):
            return 0.0  # and no new anchor while the request stands (may_take)
        if now - self._since >= self.hold:
            return self.pause
        if now - self._last >= self.idle:
            return 0.0
        return -1.0

    def _watch(self) -> None:
        if self._watcher is not None and self._watcher.is_alive():
            return

        def run() -> None:
            while self._con is not None:
                time.sleep(TICK)
                pause = self._due()
                if pause >= 0:
                    self.drop(pause)
            self._watcher = None

        self._watcher = threading.Thread(target=run, name="linkgraph-anchor", daemon=True)
        self._watcher.start()
