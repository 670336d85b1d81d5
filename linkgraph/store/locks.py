"""The workspace's writer lock: an exclusive ``flock`` on ``<workspace>.lock``."""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from linkgraph.store.schema import WorkspaceBusy

class FileLock:
    """An exclusive ``flock`` on ``<workspace>.lock`` (released by the kernel if the process dies)."""

    def __init__(self, path: Path, target: str):
        self.path, self.target = path, target
        self.fd: int | None = None

    def acquire(self, wait: float = 0.0, progress: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to ``wait`` seconds for another writer; ``progress`` gets a line
        when the wait starts and every 10 seconds after (who holds the lock, how long is left)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        started = time.monotonic()
        deadline = started + max(wait, 0.0)
        told = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = ""
                    try:
                        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    except OSError:
                        pass
                    os.close(fd)
                    who = f" (process {holder})" if holder.isdigit() else ""
                    waited = f" (waited {time.monotonic() - started:.0f} s)" if wait > 0 else ""
                    raise WorkspaceBusy(f"another process{who} is writing to {self.target}{waited}; try again when "
                                        "it is done, or wait longer with --wait SECONDS") from None
                now = time.monotonic()
                if progress is not None and (told is None or now - told >= 10):
                    told = now
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    who = f" (process {holder})" if holder.isdigit() else ""
                    progress(f"waiting for another writer{who} on {self.target}: "
                             f"{deadline - now:.0f} s left")
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
                self.fd = None


def busy_message(exc: Exception, path: str) -> str | None:
    text = str(exc)
    if "lock" in text.lower() and ("Could not set lock" in text or "Conflicting lock" in text):
        return (f"{path} is open by another process (DuckDB allows one writing process per file): "
                f"{text.splitlines()[0]}")
    if "different configuration" in text:
        return f"{path} is already open in this process with another mode (read-only vs read-write)"
    return None
