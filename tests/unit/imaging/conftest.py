"""Shared phantoms (rendered once per test session: they are deterministic)."""

from __future__ import annotations

import pytest

from tests.support.phantoms import Phantom, PhantomSpec, render_phantom


@pytest.fixture(scope="session")
def phantom() -> Phantom:
    return render_phantom(PhantomSpec())
