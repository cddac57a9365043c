"""The worker's HTTP client: one request out, its status, headers and (capped) body back.

aiohttp, not httpx, on this path: profiling the delivery benchmark put httpx's per-request
work (its connection pool inspects every pooled connection's socket on each request) at
about 2 ms of CPU per request on the event loop, aiohttp's at about 0.1 ms, and the loop is
what ingest and delivery share. Redirects are not followed (a redirect is a failed attempt, as
in Svix and Standard Webhooks), cookies are not kept; each attempt has its own total timeout.

Failures are :class:`SendFailed` with a one-line ``message``: ``timed out after …``,
``ConnectError: …`` (nothing listening, DNS), another transport error by name, or
``request not sent: …`` when the request could not even be built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

__all__ = ["Answer", "SendFailed", "Sender"]

USER_AGENT = "dodo-transform"
MAX_CONNECTIONS = 100


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes  # at most the ``max_bytes`` asked for


class SendFailed(Exception):
    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


class Sender:
    """Create it on the event loop that will use it; ``await aclose()`` when done."""

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self.session = session or aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
            headers={"User-Agent": USER_AGENT},
            # Each delivery is one event's request: a cookie one answer sets must not go out
            # with the next delivery (another customer's event, maybe another endpoint).
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float,
        max_bytes: int,
    ) -> Answer:
        try:
            async with self.session.request(
                method,
                url,
                headers=dict(headers),
                data=body,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                data = bytearray()
                # Stop reading a huge answer early: only the first max_bytes are kept.
                while len(data) < max_bytes:
                    chunk = await resp.content.read(max_bytes - len(data))
                    if not chunk:
                        break
                    data += chunk
                return Answer(resp.status, dict(resp.headers), bytes(data[:max_bytes]))
        except asyncio.TimeoutError as e:
            raise SendFailed(
                f"timed out after {timeout:g} s ({type(e).__name__})", timed_out=True
            ) from None
        except aiohttp.ClientConnectorError as e:
            raise SendFailed(f"ConnectError: {e}") from None
        except aiohttp.ClientError as e:
            raise SendFailed(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__) from None
        except Exception as e:  # e.g. UnicodeEncodeError, ValueError, an invalid URL
            raise SendFailed(f"request not sent: {type(e).__name__}: {e}") from None

    async def aclose(self) -> None:
        await self.session.close()
