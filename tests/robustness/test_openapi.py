"""Schemathesis over the app's own OpenAPI document, every operation, signed in as a clinician
with the CSRF header, on SQLite and PostgreSQL: no answer is a server error, and every answer
(status, media type, body) is the one the document declares.

Bounded and repeatable: a handful of examples per operation, derandomized."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.web import create_app
from resurface.web.security import SESSION_COOKIE
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.unsupported_method,
]


@pytest.fixture
def app(runtime: Runtime, north: SeededClinic) -> FastAPI:
    return create_app(runtime.settings, runtime)


@pytest.fixture
def clinician(app: FastAPI, north: SeededClinic) -> dict[str, str]:
    """The headers of a signed-in clinician: the session cookie and the CSRF token."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        csrf = sign_in(client, north.usernames[Role.CLINICIAN])
        cookie = client.cookies[SESSION_COOKIE]
    return {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}


EXAMPLES = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_every_operation_answers_as_documented(app: FastAPI, clinician: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30, "the document lists too few operations"
    failed: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @EXAMPLES
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=clinician, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as failure:
            failed[operation.label] = str(failure)[:2000]
    assert not failed, "\n\n".join(f"{label}: {why}" for label, why in failed.items())
