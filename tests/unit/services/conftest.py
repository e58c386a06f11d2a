"""Use cases run on the in-memory fakes of the ports: no database, no argon2, milliseconds each."""

from __future__ import annotations

import pytest

from resurface.services.context import Context
from tests.support.contexts import fake_context
from tests.support.fakes import FakeDatabase


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def ctx(db: FakeDatabase) -> Context:
    """A context over ``db`` whose clock is the real time (tests pin it with ``ctx.at``)."""
    context, _ = fake_context(now=None, database=db)
    return context
