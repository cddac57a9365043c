"""Whether an endpoint keeps failing, and switching it off when it has failed for too long.

As Svix does: an endpoint whose attempts have all failed for ``disable_after`` seconds (no
success in between) is disabled. Its deliveries are no longer claimed but stay pending —
new events are still received and stored — until an operator enables it again (console,
``POST /endpoints/{name}/enable``, ``dodo-transform endpoints enable``); then they are
delivered in order. ``disable_after = 0`` (the default) never disables. The streak and the
flag live in the store, so a restart neither forgives nor forgets them, and several instances
share them: each change is one transaction on what the store holds, so an instance never
writes back an older copy (which re-enabled an endpoint another instance had disabled).
"""

from __future__ import annotations

import asyncio
import logging

from ..clock import Clock
from .events import Observer
from .store import AsyncStore, EndpointState

__all__ = ["EndpointHealth"]

log = logging.getLogger("dodo_transform.relay")


# How old this instance's copy of the states may be before an attempt reads them again. The
# copy only spares the store a call per successful attempt; every change is made in the
# store, from what is there (another instance, or an operator, may have changed it).
REFRESH = 5.0


class EndpointHealth:
    def __init__(
        self, store: AsyncStore, clock: Clock, events: Observer, disable_after: float = 0.0
    ) -> None:
        self.store, self.clock, self.events = store, clock, events
        self.disable_after = disable_after
        self._states: dict[str, EndpointState] = {}
        self._read_at: float | None = None
        self._reading = asyncio.Lock()  # one read of the copy at a time, for every attempt

    async def states(self) -> dict[str, EndpointState]:
        """What the store holds now (several instances may change it)."""
        self._states = await self.store.endpoint_states()
        self._read_at = self.clock.now()
        return dict(self._states)

    async def attempted(self, endpoint: str, succeeded: bool) -> None:
        """Account one recorded attempt of ``endpoint``."""
        now = self.clock.now()
        if self._read_at is None or now - self._read_at >= REFRESH:
            async with self._reading:
                if self._read_at is None or now - self._read_at >= REFRESH:
                    await self.states()
        known = self._states.get(endpoint)
        if succeeded and known is None:
            return  # no streak, not disabled: the common case costs no store call
        if not succeeded and known is not None and known.failing_since is not None:
            since = known.failing_since
            if (
                known.disabled_at is not None
                or self.disable_after <= 0
                or now - since < self.disable_after - REFRESH
            ):
                return  # a streak already counted, not near disabling: nothing would change

        def change(old: EndpointState) -> EndpointState:
            if succeeded:  # the streak ends; a disabled endpoint stays so (an operator's call)
                return EndpointState(None, old.disabled_at)
            since = old.failing_since or now
            disabled = old.disabled_at
            if self.disable_after > 0 and disabled is None and now - since >= self.disable_after:
                disabled = now
            return EndpointState(since, disabled)

        old, new = await self.store.update_endpoint_state(endpoint, change)
        self._remember(endpoint, new)
        if new.disabled_at is not None and old.disabled_at is None:  # this attempt did it
            log.error(
                "endpoint %s disabled: every attempt failed for %.0f s; its deliveries wait "
                "until it is enabled again",
                endpoint,
                now - (new.failing_since or now),
            )
            self.events.endpoint_changed(endpoint, new, by="failures")

    async def enable(self, endpoint: str) -> bool:
        """Enable ``endpoint`` again with a fresh streak; False if it was not disabled."""
        old, new = await self.store.update_endpoint_state(
            endpoint, lambda old: EndpointState() if old.disabled_at is not None else old
        )
        self._remember(endpoint, new)
        if old.disabled_at is None:
            return False
        log.warning("endpoint %s enabled again by an operator", endpoint)
        self.events.endpoint_changed(endpoint, new, by="operator")
        return True

    def _remember(self, endpoint: str, state: EndpointState) -> None:
        if state == EndpointState():
            self._states.pop(endpoint, None)
        else:
            self._states[endpoint] = state
