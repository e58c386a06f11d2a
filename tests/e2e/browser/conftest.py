"""A real server on a seeded SQLite database, and a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from resurface import bootstrap
from resurface.config import Environment
from tests.conftest import make_settings
from tests.support.browser import launch
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.server import running_server


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SeededClinic]]:
    data_dir = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    seed_clinic(runtime.context.uow, "south")
    runtime.dispose()
    env = {"RESURFACE_DATA_DIR": str(data_dir), "RESURFACE_DATABASE_URL": url}
    with running_server(env, data_dir / "server.log") as base:
        yield base, north


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


NAVIGATION_TIMEOUT_MS = 180_000
"""A page load may wait minutes on a busy 2-core machine (the server shares it with other test
runs); slowness is not a failure, so navigations get a generous deadline."""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield context.new_page()
    context.close()
