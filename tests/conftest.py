"""Fixtures every test module may use: the real PostgreSQL's databases (see ``pg.py``)."""

from pg import fresh_pg_database, pg_database

__all__ = ["fresh_pg_database", "pg_database"]
