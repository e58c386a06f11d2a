"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), settings, runtimes."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from resurface import bootstrap
from resurface.config import Environment, Settings
from resurface.storage import database
from tests.support.redis_server import a_redis

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _postgres_admin_url() -> str:
    return os.environ.get("RESURFACE_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresServer:
    """Creates throw-away databases on the test server; all are dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"resurface_test_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    def _execute(self, sql: str) -> None:
        with psycopg.connect(_psycopg_dsn(self.admin_url), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        self._execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in reversed(self.created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(_postgres_admin_url())
    try:
        server._execute("SELECT 1")
    except psycopg.OperationalError as error:
        message = f"PostgreSQL not reachable at {server.admin_url}: {error}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL. {message}")
        pytest.skip(message)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    """A migrated database that each test copies (CREATE DATABASE … TEMPLATE is fast)."""
    url = postgres.create()
    database.upgrade(url)
    return make_url(url).database or ""


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "resurface.db"
    database.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "resurface.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create(template=request.getfixturevalue("postgres_template"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "resurface.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "secret_key": TEST_SECRET,
        "data_dir": data_dir,
        "database_url": database_url,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[bootstrap.Runtime]:
    built = bootstrap.build(make_settings(tmp_path, database_url))
    yield built
    built.dispose()


@pytest.fixture
def sqlite_runtime(sqlite_url: str, tmp_path: Path) -> Iterator[bootstrap.Runtime]:
    built = bootstrap.build(make_settings(tmp_path, sqlite_url))
    yield built
    built.dispose()


@pytest.fixture
def postgres_runtime(
    postgres: PostgresServer, postgres_template: str, tmp_path: Path
) -> Iterator[bootstrap.Runtime]:
    """A runtime on a freshly migrated PostgreSQL database of its own."""
    built = bootstrap.build(make_settings(tmp_path, postgres.create(template=postgres_template)))
    yield built
    built.dispose()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with a_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The address of a Redis emptied for this test."""
    with redis.Redis.from_url(redis_server) as connection:
        connection.flushdb()
    return redis_server
