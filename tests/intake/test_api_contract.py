"""The API keeps its OpenAPI contract: schemathesis over every operation, all checks, small budget.

Runs in-process against the WSGI application. Requests that carry a telephony signature are
re-signed over the body schemathesis actually sends (a random signature could never pass, so the
bodies would not be exercised); requests without both headers stay as they are, so the
``ignored_auth`` and ``missing_required_header`` checks still see the 401.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from vardlots.telephony import signing

EXAMPLES = 12  # per operation; keeps the whole test around half a minute


def _resigning(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    signature_key = "HTTP_" + signing.SIGNATURE_HEADER.upper().replace("-", "_")
    timestamp_key = "HTTP_" + signing.TIMESTAMP_HEADER.upper().replace("-", "_")

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        signed = environ.get(signature_key) is not None and environ.get(timestamp_key) is not None
        if signed and environ.get("PATH_INFO", "").startswith("/api/v1/telephony/"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            ts = str(int(time.time()))
            environ[timestamp_key] = ts
            environ[signature_key] = signing.sign(body, ts)
        return app(environ, start_response)

    return wrapped


# 400 is the documented refusal of content a schema cannot express (age *or* birth date, an unknown
# contact reason, an answer that does not fit the question): schema-valid data may get it. 422 is
# "does not match the schema", so schema-valid data must never get it: every rule that gives 422
# has to be in the OpenAPI.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _resigning(get_wsgi_application()), config=CONFIG)


@pytest.fixture
def units(db: None) -> Iterator[None]:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from tests.cases.helpers import world

    world()  # units and staff, so that some telephony requests find what they name
    # As Django's test client does: a request must not close the test's connection (on PostgreSQL
    # it would, since the test runs inside a transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract(case: Any, units: None) -> None:
    case.call_and_validate()


def test_the_openapi_declares_the_telephony_signature_and_every_error(client: Any) -> None:
    described = client.get("/api/v1/openapi.json").json()
    schemes = described["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", signing.SIGNATURE_HEADER), ("header", signing.TIMESTAMP_HEADER)}
    for path, item in described["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            if path.startswith("/api/v1/telephony/"):
                assert operation["security"] == [{key: [] for key in schemes}], (method, path)
                assert {"401", "404", "422"} <= statuses, (method, path)
            if method == "post":
                assert {"400", "413", "422"} <= statuses, (method, path)
