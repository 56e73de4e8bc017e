"""One JSON error shape for every failure the API reports.

    {"error": {"status": 413, "code": "file_too_large", "message": "...",
               "fields": [{"field": "factor", "message": "..."}]}}

Validation failures are 400 (the blueprint's contract), not FastAPI's 422;
422 is kept for images the server understands but will not process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class APIError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields)
        self.headers = dict(headers or {})


def error_body(
    status: int, code: str, message: str, fields: Sequence[FieldError] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in fields]
    return {"error": body}


def error_response(error: APIError) -> JSONResponse:
    return JSONResponse(
        error_body(error.status, error.code, error.message, error.fields),
        status_code=error.status,
        headers=error.headers,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_image",
    429: "rate_limited",
    503: "unavailable",
}


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(_request: Request, error: APIError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [FieldError(_field_name(e["loc"]), e["msg"]) for e in error.errors()]
        return error_response(APIError(400, "invalid_request", "invalid request", fields=fields))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "error")
        message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
        return error_response(
            APIError(error.status_code, code, message, headers=error.headers or None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(APIError(500, "internal_error", "internal server error"))
