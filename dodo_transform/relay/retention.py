"""Retention: what is older than ``[server] retention_days`` is deleted while the server runs.

A background task of each instance that delivers. Every ``every`` seconds it asks the store
to prune finished deliveries whose last change is older than the window, a small batch at a
time (one short transaction each, with a pause between them, so webhooks being received
never wait long for the write lock), until nothing old is left. Pending and in-flight
deliveries are never deleted (:meth:`~.store.Store.prune`). Time comes from the injectable
clock, so tests age rows by moving it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..clock import Clock
from .store import PRUNE_BATCH, AsyncStore, said

__all__ = ["DAY", "Retention"]

log = logging.getLogger("dodo_transform.retention")
DAY = 86_400.0
# How often a running server looks for expired rows (seconds of real time).
EVERY = 600.0
# Between two batches: ingest and the worker take the write lock meanwhile.
PAUSE = 0.05


class Retention:
    def __init__(
        self,
        store: AsyncStore,
        clock: Clock,
        days: float,
        *,
        every: float = EVERY,
        batch: int = PRUNE_BATCH,
        pause: float = PAUSE,
        on_deleted: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.days = days
        self.every = every
        self.batch = batch
        self.pause = pause
        self.on_deleted = on_deleted  # told each batch's count (the metrics' counter)
        self.deleted = 0  # deliveries deleted since start
        self.rounds = 0  # rounds completed since start

    async def run_once(self) -> int:
        """Delete everything older than the window now, batch by batch; returns how many
        deliveries went. With ``days == 0`` (keep forever) nothing is deleted."""
        if self.days <= 0:
            return 0
        total = 0
        while True:
            cutoff = self.clock.now() - self.days * DAY
            n = await self.store.prune(cutoff, self.batch)
            total += n
            if n:
                self.on_deleted(n)
            if n < self.batch:
                break
            await asyncio.sleep(self.pause)
        self.deleted += total
        self.rounds += 1
        if total:
            log.info("retention: deleted %d deliveries older than %g days", total, self.days)
        return total

    async def run(self) -> None:
        """:meth:`run_once` every ``every`` seconds until cancelled; a failing store is
        logged and tried again next round (retention can always wait)."""
        while True:
            try:
                await self.run_once()
            except Exception as e:
                log.warning("retention: pruning failed (%s); next try later", said(e))
            await asyncio.sleep(self.every)
