"""Throw-away databases for the benches: a fresh PostgreSQL database dropped afterwards, and
whether a PostgreSQL server is here at all (``RESURFACE_BENCH_POSTGRES_URL``, else the local
one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The PostgreSQL server's maintenance database, where bench databases are made."""
    return os.environ.get(
        "RESURFACE_BENCH_POSTGRES_URL",
        os.environ.get("RESURFACE_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
    )


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards however the bench ends."""
    admin = admin_url()
    name = f"resurface_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def postgres_reachable() -> bool:
    engine = create_engine(admin_url())
    try:
        with engine.connect():
            return True
    except Exception:  # any failure to connect means "not here"
        return False
    finally:
        engine.dispose()
