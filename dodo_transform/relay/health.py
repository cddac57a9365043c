"""Whether an endpoint keeps failing, and switching it off when it has failed for too long.

As Svix does: an endpoint whose attempts have all failed for ``disable_after`` seconds (no
success in between) is disabled. Its deliveries are no longer claimed but stay pending —
new events are still received and stored — until an operator enables it again (console,
``POST /endpoints/{name}/enable``, ``dodo-transform endpoints enable``); then they are
delivered in order. ``disable_after = 0`` (the default) never disables. The streak and the
flag live in the store, so a restart neither forgives nor forgets them.
"""

from __future__ import annotations

import asyncio
import logging

from ..clock import Clock
from .events import Observer
from .store import AsyncStore, EndpointState

__all__ = ["EndpointHealth"]

log = logging.getLogger("dodo_transform.relay")


class EndpointHealth:
    def __init__(
        self, store: AsyncStore, clock: Clock, events: Observer, disable_after: float = 0.0
    ) -> None:
        self.store, self.clock, self.events = store, clock, events
        self.disable_after = disable_after
        self._states: dict[str, EndpointState] | None = None
        self._lock = asyncio.Lock()

    async def states(self) -> dict[str, EndpointState]:
        async with self._lock:
            return dict(await self._loaded())

    async def _loaded(self) -> dict[str, EndpointState]:
        if self._states is None:
            self._states = await self.store.endpoint_states()
        return self._states

    async def attempted(self, endpoint: str, succeeded: bool) -> None:
        """Account one recorded attempt of ``endpoint``."""
        async with self._lock:
            states = await self._loaded()
            old = states.get(endpoint, EndpointState())
            now = self.clock.now()
            if succeeded:
                new = EndpointState(None, old.disabled_at)
            else:
                new = EndpointState(old.failing_since or now, old.disabled_at)
                since = new.failing_since or now
                if (
                    self.disable_after > 0
                    and new.disabled_at is None
                    and now - since >= self.disable_after
                ):
                    new = EndpointState(since, now)
            if new == old:
                return
            await self.store.set_endpoint_state(endpoint, new)
            states[endpoint] = new
        if new.disabled_at is not None and old.disabled_at is None:
            log.error(
                "endpoint %s disabled: every attempt failed for %.0f s; its deliveries wait "
                "until it is enabled again",
                endpoint,
                now - (new.failing_since or now),
            )
            self.events.endpoint_changed(endpoint, new, by="failures")

    async def enable(self, endpoint: str) -> bool:
        """Enable ``endpoint`` again with a fresh streak; False if it was not disabled."""
        async with self._lock:
            states = await self._loaded()
            old = states.get(endpoint, EndpointState())
            if old.disabled_at is None:
                return False
            new = EndpointState()
            await self.store.set_endpoint_state(endpoint, new)
            states.pop(endpoint, None)
        log.warning("endpoint %s enabled again by an operator", endpoint)
        self.events.endpoint_changed(endpoint, new, by="operator")
        return True
