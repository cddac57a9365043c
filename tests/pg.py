"""The real PostgreSQL for the tests: a database of their own per run, dropped afterwards.

The server is ``$DODO_TRANSFORM_TEST_POSTGRES`` (default: the machine's PostgreSQL 15 on
127.0.0.1:5432, user ``postgres``, trust auth; ``.ci/run`` starts it). When it cannot be
reached the PostgreSQL tests are skipped on a developer's machine and **fail** under
``CI=true``: CI never passes by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

SERVER = os.environ.get(
    "DODO_TRANSFORM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def url_for(database: str, server: str = SERVER) -> str:
    return urlsplit(server)._replace(path=f"/{database}").geturl()


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(SERVER, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def unreachable() -> str | None:
    try:
        asyncio.run(_admin("SELECT 1"))
    except Exception as e:
        return f"PostgreSQL at {SERVER} is unreachable ({type(e).__name__}: {e})"
    return None


def require_postgres() -> None:
    problem = unreachable()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; CI needs it (.ci/run starts it)")
    pytest.skip(problem)


def create_database() -> str:
    """A fresh, empty database; returns its URL."""
    name = f"dodo_test_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return url_for(name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _temporary_database() -> Iterator[str]:
    require_postgres()
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """The URL of a database created for this test module (and dropped after it)."""
    yield from _temporary_database()


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """The URL of a database created for this one test."""
    yield from _temporary_database()


async def truncate(url: str) -> None:
    """Empty every table the store made (between the tests of one module)."""
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_version'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
