"""The OpenAPI document: readable operation ids, one error schema, no lies.

The generated client (clients/python, `make client`) is built from this
document, so what it says must be what the API does:

- operation ids are the endpoint functions' names (`create_upload`,
  `get_job`), with `admin_` before the admin API's;
- every 4xx/5xx response names the shared `ErrorResponse` shape (the one
  `upscaler.errors` writes), except where an endpoint documents another body
  for that status on purpose (health's 503 is the Health report);
- FastAPI's default 422 `HTTPValidationError` is replaced by a 400: this API
  answers invalid parameters with 400 and the shared shape (errors.py);
- a redirect (307) documents its Location header and no body.
(The bearer and cookie security schemes come from the auth dependencies.)
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

ERROR_SCHEMA_NAME = "ErrorResponse"
ERROR_SCHEMA_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
_FASTAPI_VALIDATION_REF = "#/components/schemas/HTTPValidationError"
_ADMIN_PREFIX = "/api/v1/admin/"

ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "title": "ErrorBody",
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated"},
                "code": {"type": "string", "description": "A stable machine-readable code"},
                "message": {"type": "string", "description": "What went wrong, for people"},
                "fields": {
                    "type": "array",
                    "description": "Per-field problems of a 400",
                    "items": {
                        "title": "FieldProblem",
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


def documented_error(description: str) -> dict[str, Any]:
    """An entry for a route's `responses`: this status, with the shared shape."""
    return {
        "description": description,
        "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
    }


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name; the admin API's get `admin_` before it
    (it has its own `get_job` and `cancel_job`)."""
    name = route.name.rstrip("_")
    if route.path.startswith(_ADMIN_PREFIX) and not name.startswith("admin_"):
        return f"admin_{name}"
    return name


def install_openapi(app: FastAPI) -> None:
    """Post-process FastAPI's document once, when it is first asked for."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        finish(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            _fix_errors(operation)
            _optional_key(operation)
    if _FASTAPI_VALIDATION_REF not in str(schema.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


OPTIONAL_KEY_NOTE = (
    "Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a "
    "login token: the account's jobs are seen by it and admins only, and its limits apply."
)


def _optional_key(operation: dict[str, Any]) -> None:
    """The public job API takes an API key but does not require one. OpenAPI
    lists a security requirement as required, and a generated client would
    then refuse to call without credentials: the note says it instead."""
    security = operation.get("security") or []
    if any("apiKey" in requirement for requirement in security):
        del operation["security"]
        description = operation.get("description", "")
        operation["description"] = f"{description}\n\n{OPTIONAL_KEY_NOTE}".strip()


def _fix_errors(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    default_422 = responses.get("422", {})
    if _FASTAPI_VALIDATION_REF in str(default_422.get("content", {})):
        del responses["422"]
        responses.setdefault("400", {"description": "Invalid parameters (field-level errors)"})
    for status, response in responses.items():
        if status.isdigit() and 300 <= int(status) < 400:
            # A redirect has no body (FastAPI documents an empty JSON one),
            # only the address to go to.
            response.pop("content", None)
            response.setdefault("headers", {})["Location"] = {
                "description": "Where to go: a freshly signed link",
                "schema": {"type": "string", "format": "uri"},
            }
            continue
        if not status.isdigit() or int(status) < 400:
            continue
        content = response.setdefault("content", {})
        if not content or "application/json" in content:
            content.setdefault("application/json", {}).setdefault("schema", ERROR_SCHEMA_REF)
