"""The OpenAPI document the client is generated from tells the truth about
its shape: it validates, names every operation readably, and documents every
error with the one shape the API writes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from openapi_spec_validator import validate

from upscaler.app import create_app
from upscaler.config import Settings
from upscaler.errors import error_body
from upscaler.events.bus import InProcessEventBus
from upscaler.openapi import ERROR_SCHEMA_REF

#: Statuses documented with another body on purpose: health's 503 is the report.
OTHER_BODIES = {("get_health", "503")}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(Settings(), broker=StubBroker(), bus=InProcessEventBus())
    return app.openapi()


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for ops in document["paths"].values() for op in ops.values()]


def test_the_document_validates(document: dict[str, Any]) -> None:
    validate(document)


def test_operation_ids_are_the_endpoint_names(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in ids), ids
    paths = document["paths"]
    assert paths["/api/v1/uploads"]["post"]["operationId"] == "create_upload"
    assert paths["/api/v1/jobs/{job_id}"]["get"]["operationId"] == "get_job"
    assert paths["/api/v1/jobs/{job_id}/cancel"]["post"]["operationId"] == "cancel_job"
    assert paths["/api/v1/admin/jobs/{job_id}"]["get"]["operationId"] == "admin_get_job"


def test_every_error_response_has_the_shared_schema(document: dict[str, Any]) -> None:
    for op in operations(document):
        for status, response in op["responses"].items():
            if int(status) < 400 or (op["operationId"], status) in OTHER_BODIES:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == ERROR_SCHEMA_REF, (op["operationId"], status)
    # FastAPI's own 422 body is never sent: invalid parameters get a 400.
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_error_schema_describes_what_the_api_writes(document: dict[str, Any]) -> None:
    from openapi_schema_validator import OAS31Validator

    schema = document["components"]["schemas"]["ErrorResponse"]
    validator = OAS31Validator(schema)
    validator.validate(error_body(404, "not_found", "no job 'x'"))
    with_fields = error_body(400, "invalid_request", "bad", [])
    with_fields["error"]["fields"] = [{"field": "factor", "message": "must be 2x or 4x"}]
    validator.validate(with_fields)
    assert not validator.is_valid({"error": {"status": 400}})


def test_redirects_document_their_location_and_no_body(document: dict[str, Any]) -> None:
    redirects = [
        (op["operationId"], response)
        for op in operations(document)
        for status, response in op["responses"].items()
        if status.startswith("3")
    ]
    assert {name for name, _ in redirects} == {"get_job_result", "download_original"}
    for name, response in redirects:
        assert "content" not in response, name  # RedirectResponse sends no body
        assert "Location" in response["headers"], name
