"""Typed helpers for tests that drive the public API through the generated
client (clients/python, `upscaler_client`), so that a schema that lies fails
a test: every answer is parsed by the client's own code, a parsed body is
checked against the model the document names for its status, and an
undocumented status raises `UnexpectedStatus`.

Plain httpx stays only where the client cannot go: reading a server-sent-events
stream as it arrives, and sending a request that the typed body cannot express
on purpose (a malformed upload); even then the answer goes through the
operation's generated parser.
"""

from __future__ import annotations

import io
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import upscaler_client
from upscaler_client.api.downloads import download_file
from upscaler_client.api.jobs import get_job as get_job_operation
from upscaler_client.api.uploads import create_upload as create_upload_operation
from upscaler_client.models import (
    CreateUploadBody,
    ErrorResponse,
    ErrorResponseErrorBody,
    ErrorResponseErrorBodyFieldProblem,
    Factor,
    JobOut,
    JobStatus,
    UploadAccepted,
)
from upscaler_client.types import File, Response

TERMINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})
FILES_PATH = "/api/v1/files/"


def typed(client: httpx.Client) -> upscaler_client.Client:
    """The generated client over an httpx client of a LiveServer or Service
    (its base_url and timeout); an undocumented status raises."""
    api = upscaler_client.Client(base_url=str(client.base_url), raise_on_unexpected_status=True)
    return api.set_httpx_client(client)


def base_url(api: upscaler_client.Client) -> str:
    return str(api.get_httpx_client().base_url).rstrip("/")


def create_upload(
    api: upscaler_client.Client,
    source: Path | bytes,
    factor: str = "4x",
    *,
    filename: str | None = None,
    **fields: Any,
) -> Response[ErrorResponse | UploadAccepted]:
    """POST /api/v1/uploads with the typed body; `fields` are its other
    attributes (preset, denoise, output_format, ...)."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            file = File(payload=handle, file_name=filename or source.name)
            return create_upload_operation.sync_detailed(
                client=api, body=CreateUploadBody(factor=Factor(factor), file=file, **fields)
            )
    assert filename is not None, "bytes need a file name"
    file = File(payload=io.BytesIO(source), file_name=filename)
    return create_upload_operation.sync_detailed(
        client=api, body=CreateUploadBody(factor=Factor(factor), file=file, **fields)
    )


def post_upload_form(
    api: upscaler_client.Client, *, data: dict[str, str], files: dict[str, tuple[str, bytes]]
) -> Response[ErrorResponse | UploadAccepted]:
    """A malformed upload (an unknown factor, no file, no factor) that the
    typed body cannot express: sent with the client's httpx client, parsed by
    the generated operation's own parser (an undocumented status still raises)."""
    raw = api.get_httpx_client().post("/api/v1/uploads", data=data, files=files)
    return create_upload_operation._build_response(client=api, response=raw)


def accepted(response: Response[ErrorResponse | UploadAccepted]) -> UploadAccepted:
    """The 202 of an upload, parsed as the document's UploadAccepted."""
    assert response.status_code == HTTPStatus.ACCEPTED, response.content
    assert isinstance(response.parsed, UploadAccepted), response.content
    return response.parsed


def error_of(response: Response[Any], status: int) -> ErrorResponseErrorBody:
    """The error body of an answer with this status, parsed as the document's
    ErrorResponse; its `status` repeats the HTTP status."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, ErrorResponse), response.content
    assert response.parsed.error.status == status, response.parsed
    return response.parsed.error


def problems(error: ErrorResponseErrorBody) -> list[ErrorResponseErrorBodyFieldProblem]:
    """The per-field problems of a 400 (present, as the document says a 400 has them)."""
    assert isinstance(error.fields, list), error
    return error.fields


def get_job(api: upscaler_client.Client, job_id: str) -> JobOut:
    response = get_job_operation.sync_detailed(job_id, client=api)
    assert response.status_code == HTTPStatus.OK, response.content
    assert isinstance(response.parsed, JobOut), response.content
    return response.parsed


def wait_for_job(
    api: upscaler_client.Client,
    job_id: str,
    *,
    until: frozenset[JobStatus] = TERMINAL,
    timeout: float = 180,
) -> JobOut:
    """Poll GET /api/v1/jobs/{job_id} until the job's status is in `until`."""
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(api, job_id)
        if job.status in until:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")
        time.sleep(0.2)


def signed_token(api: upscaler_client.Client, url: str) -> str:
    """The token of a signed link, which must point at this API's files endpoint."""
    assert url.startswith(base_url(api) + FILES_PATH), url
    path = urlsplit(url).path
    return unquote(path[len(FILES_PATH) :])


def download(api: upscaler_client.Client, url: str) -> Response[ErrorResponse | File]:
    """GET a signed link through the generated `download_file` operation."""
    return download_file.sync_detailed(signed_token(api, url), client=api)


def downloaded(response: Response[ErrorResponse | File]) -> bytes:
    """The bytes of a download's 200, parsed as the document's binary file."""
    assert response.status_code == HTTPStatus.OK, response.content
    assert isinstance(response.parsed, File), response.content
    return response.parsed.payload.read()
