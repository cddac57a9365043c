"""Egress guard: a handler may not point a delivery at internal addresses.

A URL whose host resolves to a loopback, private, link-local, multicast, reserved or
unspecified address, or to a cloud metadata service, is refused unless the endpoint lists the
host, exactly as written in the URL (case-insensitive), in ``allow_hosts``.

The check runs immediately before every send, after the transform. Residual risk: httpx
resolves the name again when it connects, so a DNS answer that changes in between (rebinding
with a zero TTL) is not caught; deployments that need a hard guarantee should also run behind
an egress proxy (smokescreen-style), as Standard Webhooks recommends.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)

Resolver = Callable[[str, int], Awaitable[list[str]]]


class EgressDenied(Exception):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"refusing to send to {host!r}: it resolves to {address}, an internal address; "
            f"add {host!r} to the endpoint's allow_hosts if this is intended"
        )
        self.host, self.address = host, address


class ResolveError(Exception):
    """The host did not resolve: a network failure, retried like a connection error."""


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip in METADATA
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise ResolveError(f"cannot resolve {host!r}: {e}") from None
    return [str(info[4][0]) for info in infos]


async def check_url(
    url: str, allow_hosts: Iterable[str], resolve: Resolver = system_resolve
) -> None:
    """Raise :class:`EgressDenied` if ``url`` reaches an internal address and is not allowed."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in {h.lower() for h in allow_hosts}:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in await resolve(host, port):
        if is_internal(address):
            raise EgressDenied(host, address)
