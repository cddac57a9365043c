"""Group commit: writes submitted while the previous one runs go to the store together.

There is no timer: the first submitter starts a write at once; whoever submits while it runs
waits for it to finish and then goes in the next write, with everyone else who arrived
meanwhile. Under light load every write holds one item and costs what it did before; under
heavy load one transaction (one fsync, one round trip) carries many.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

I = TypeVar("I")  # noqa: E741 - the item submitted
O = TypeVar("O")  # noqa: E741 - its result


class GroupCommit(Generic[I, O]):
    """``await submit(item)`` returns ``write(items)[i]`` for the batch the item went in; if
    the write raises, every submitter of that batch gets the exception."""

    def __init__(
        self,
        write: Callable[[Sequence[I]], Awaitable[Sequence[O]]],
        max_batch: int = 500,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queue: list[tuple[I, asyncio.Future[O]]] = []
        self._running = False

    async def submit(self, item: I) -> O:
        future: asyncio.Future[O] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self._running:
            self._running = True
            asyncio.create_task(self._drain(), name="group-commit")
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                try:
                    results = await self._write([item for item, _ in batch])
                except Exception as e:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(e)
                    continue
                except BaseException:  # cancelled (shutdown): so are the batch's submitters
                    for _, future in batch + self._queue:
                        future.cancel()
                    self._queue.clear()
                    raise
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # its submitter may have been cancelled
                        future.set_result(result)
        finally:
            self._running = False
