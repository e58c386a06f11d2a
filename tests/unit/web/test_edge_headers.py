"""Response headers and request ids, as pure functions."""

from __future__ import annotations

import pytest

from resurface.web.access_log import request_id_of
from resurface.web.security import HSTS_HEADER, security_headers


def test_hsts_only_over_https_and_only_when_asked() -> None:
    assert HSTS_HEADER in security_headers(scheme="https", path="/", hsts=True)
    assert HSTS_HEADER not in security_headers(scheme="http", path="/", hsts=True)
    assert HSTS_HEADER not in security_headers(scheme="https", path="/", hsts=False)


def test_static_files_may_be_cached_everything_else_not() -> None:
    assert "Cache-Control" not in security_headers(scheme="https", path="/static/a.css", hsts=True)
    assert security_headers(scheme="http", path="/r/x", hsts=False)["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "given", ["4f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c", "lb-7f3a9c21.42", "req:2026-12-12.0001"]
)
def test_a_sane_incoming_request_id_is_kept(given: str) -> None:
    assert request_id_of([(b"x-request-id", given.encode())]) == given


@pytest.mark.parametrize(
    "given", [b"", b"short", b"has space 123", b"x" * 101, b"new\nline-12345", b"-leading-dash"]
)
def test_anything_else_gets_a_fresh_id(given: bytes) -> None:
    made = request_id_of([(b"x-request-id", given)])
    assert made != given.decode("latin-1") and len(made) == 32
    assert made != request_id_of([(b"x-request-id", given)])
