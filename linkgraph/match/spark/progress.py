"""Pairs compared by Spark tasks, reported on the driver while the job runs.

The scoring function adds each batch's pair count to a Spark accumulator; the driver reads it
from a thread (a task's additions arrive when the task ends) and calls the local engine's
``progress(done, total)``. The scoring joins get enough shuffle partitions that each task holds
about ``pairs_per_task`` pairs, so the count moves in steps of that size.

>>> shuffle_partitions(25_000_000, 500_000, 4)
50
>>> shuffle_partitions(10_000, 500_000, 4)
4
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PairProgress = Callable[[int, int], None]
KEY = "spark.sql.shuffle.partitions"


def shuffle_partitions(pairs: int, pairs_per_task: int, configured: int) -> int:
    """Partitions for the joins of ``pairs`` pairs: the configured number, or more so that a task
    holds at most ``pairs_per_task`` pairs."""
    return max(configured, -(-pairs // max(pairs_per_task, 1)))


@contextmanager
def partitions_for(spark, pairs: int, pairs_per_task: int) -> Iterator[int]:
    """Within the block, the session's shuffle partitions are at least ``pairs / pairs_per_task``."""
    before = spark.conf.get(KEY)
    wanted = shuffle_partitions(pairs, pairs_per_task, int(before))
    spark.conf.set(KEY, str(wanted))
    try:
        yield wanted
    finally:
        spark.conf.set(KEY, before)


class PairCounter:
    """An accumulator of pairs compared, read every ``every`` seconds while a Spark job runs.

    ``with counter.running(total): <job>`` reports ``(done, total)`` to ``progress`` from a driver
    thread during the job and once at its end.
    """

    def __init__(self, spark, progress: PairProgress | None, every: float = 0.5) -> None:
        self.accumulator = spark.sparkContext.accumulator(0)
        self.progress = progress
        self.every = every

    @contextmanager
    def running(self, total: int) -> Iterator[None]:
        start = self.accumulator.value
        if self.progress is None:
            yield
            return
        stop = threading.Event()

        def report() -> None:
            while not stop.wait(self.every):
                self.progress(min(self.accumulator.value - start, total), total)

        self.progress(0, total)
        thread = threading.Thread(target=report, name="linkgraph-spark-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        self.progress(min(self.accumulator.value - start, total), total)
