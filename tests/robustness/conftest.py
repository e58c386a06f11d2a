"""The robustness suite: the real app on SQLite and PostgreSQL, two clinics seeded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.web import create_app
from tests.support.clinic import SeededClinic, seed_clinic


@pytest.fixture
def north(runtime: Runtime) -> SeededClinic:
    return seed_clinic(runtime.context.uow, "north")


@pytest.fixture
def south(runtime: Runtime) -> SeededClinic:
    return seed_clinic(runtime.context.uow, "south")


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime.settings, runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client
