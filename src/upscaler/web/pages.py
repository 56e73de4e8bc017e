"""The public pages: `/` (what the service does, the upload form), `/jobs/{id}`
(the shareable job page) and the plain-form fallbacks that make both work
without JavaScript (`POST /upload`, `POST /jobs/{id}/cancel`).

The pages are rendered complete on the server from the same data the API
serves; the scripts in static/public/js only enhance them (validation
before upload, upload progress, live progress, the comparison slider).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from upscaler.accounts.caller import Caller, CallerDep
from upscaler.accounts.captcha import provider_of
from upscaler.batches.endpoints import to_out
from upscaler.batches.status import load_state
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.deps import ContextDep
from upscaler.errors import APIError
from upscaler.jobs.endpoints import cancel_job
from upscaler.jobs.schemas import JobOut
from upscaler.jobs.service import load_job, to_public
from upscaler.uploads import service
from upscaler.web.origin import is_same_origin
from upscaler.web.service_info import (
    DEFAULT_QUALITY,
    DENOISE,
    FACTORS,
    OUTPUT_FORMATS,
    PRESETS,
    build_service_info,
)
from upscaler.web.templating import sentence, static_url, templates

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

#: Form controls an error can be shown next to; anything else goes to the summary.
FORM_FIELDS = (
    "file",
    "factor",
    "preset",
    "denoise",
    "refine_faces",
    "model",
    "output_format",
    "quality",
    "captcha_token",
)
DEFAULT_VALUES = {
    "factor": "4x",
    "preset": "standard",
    "denoise": "none",
    "output_format": "png",
    "quality": str(DEFAULT_QUALITY),
    "refine_faces": "",
    "model": "",
}
#: Refusals about the file itself, shown next to the file control.
FILE_STATUSES = (413, 415, 422)
#: After refusing an upload early, read (and drop) at most this much more of
#: the body, so the browser is still listening when the error page arrives.
DRAIN_LIMIT_BYTES = 256 * 1024 * 1024
STATUS_LABELS = {
    JobStatus.QUEUED: "Waiting in the queue",
    JobStatus.RUNNING: "Upscaling",
    JobStatus.COMPLETED: "Done",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELED: "Canceled",
}
#: Seconds between reloads of an unfinished job page without JavaScript.
NOSCRIPT_REFRESH_SECONDS = 3
NO_STORE = {"Cache-Control": "no-store"}


def _labels() -> dict[str, dict[str, str]]:
    return {
        "factor": {c.value: c.label for c in FACTORS},
        "preset": {c.value: c.label for c in PRESETS},
        "denoise": {c.value: c.label for c in DENOISE},
        "output_format": {c.value: c.label for c in OUTPUT_FORMATS},
        "status": {s.value: label for s, label in STATUS_LABELS.items()},
    }


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"labels": _labels(), **context},
        status_code=status_code,
        headers={**NO_STORE, **(headers or {})},
    )


def error_page(
    request: Request, status_code: int, title: str, message: str, **extra: Any
) -> HTMLResponse:
    return _page(
        request,
        "public/error.html",
        {"title": title, "message": message, "status_code": status_code, **extra},
        status_code=status_code,
    )


async def _landing(
    request: Request,
    context: AppContext,
    *,
    values: dict[str, str] | None = None,
    error: APIError | None = None,
) -> HTMLResponse:
    info = await build_service_info(context)
    field_errors: dict[str, str] = {}
    summary: list[str] = []
    headers: dict[str, str] = {}
    title = ""
    if error is not None:
        if error.status in FILE_STATUSES:
            # The top-level message says it best ("the file is larger than ...").
            field_errors["file"] = sentence(error.message)
        for problem in error.fields:
            if problem.field in field_errors:
                continue
            if problem.field in FORM_FIELDS:
                field_errors[problem.field] = sentence(problem.message)
            else:
                summary.append(sentence(f"{problem.field}: {problem.message}"))
        retry_after = error.headers.get("Retry-After")
        if retry_after:
            headers["Retry-After"] = retry_after
        if field_errors:
            title = "The upload was not accepted: see the message next to the highlighted field."
        else:
            title = sentence(error.message)
            if retry_after and "try again" not in error.message:
                title += f" You can try again in {retry_after} seconds."
    posted = {k: v for k, v in (values or {}).items() if k in DEFAULT_VALUES}
    return _page(
        request,
        "public/index.html",
        {
            "info": info,
            "values": DEFAULT_VALUES | posted,
            "error": error,
            "error_title": title,
            "field_errors": field_errors,
            "summary": summary,
            "captcha": provider_of(context.settings),
            "captcha_site_key": context.settings.captcha_site_key,
        },
        status_code=error.status if error is not None else 200,
        headers=headers,
    )


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, context: ContextDep) -> HTMLResponse:
    return await _landing(request, context)


@router.get("/favicon.ico")
async def favicon() -> RedirectResponse:
    return RedirectResponse(static_url("icons/favicon.svg"), status_code=status.HTTP_302_FOUND)


def _cross_origin(request: Request) -> HTMLResponse:
    return error_page(
        request,
        403,
        "This form was sent from another site",
        "For your safety, uploads and cancellations are only accepted from this site's own "
        "pages. Open the page again and retry from there.",
    )


class _Body:
    """The request body as chunks, remembering whether it was read to the end,
    so that after an early refusal the rest can be read and dropped (a browser
    shows the error page only once it has sent its whole request)."""

    def __init__(self, request: Request) -> None:
        self._receive = request.receive
        self.finished = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.finished:
            message = await self._receive()
            if message["type"] != "http.request":  # the client went away
                self.finished = True
                return
            if not message.get("more_body", False):
                self.finished = True
            body = message.get("body", b"")
            if body:
                yield body

    async def drain(self, limit: int = DRAIN_LIMIT_BYTES) -> None:
        drained = 0
        async for chunk in self.chunks():
            drained += len(chunk)
            if drained > limit:
                return


@router.post("/upload", response_model=None)
async def upload_without_javascript(
    request: Request, context: ContextDep, caller: CallerDep
) -> Response:
    """The upload form posted by a browser without JavaScript: the same checks
    and the same service as POST /api/v1/uploads, answered with a redirect to
    the job page or the form again with the error beside the right control."""
    if not is_same_origin(request, context.settings.public_base_url):
        return _cross_origin(request)
    fields: dict[str, str] = {}
    body = _Body(request)
    try:
        job, _estimate = await service.take_upload(
            context,
            caller,
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            body.chunks(),
            fields_seen=fields,
        )
    except APIError as error:
        await body.drain()
        return await _landing(request, context, values=fields, error=error)
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=status.HTTP_303_SEE_OTHER)


async def _public_job(
    request: Request, context: AppContext, job_id: str, caller: Caller
) -> JobOut | None:
    async with context.sessions() as session:
        try:
            job, upload = await load_job(session, job_id, caller)
        except APIError:
            return None
        return await to_public(context, request, session, job, upload)


def _job_not_found(request: Request) -> HTMLResponse:
    return error_page(
        request,
        404,
        "Job not found",
        "There is no job at this address. The link may be mistyped, or the job and its "
        "files were removed after the retention period.",
    )


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
async def batch_page(
    batch_id: str, request: Request, context: ContextDep, caller: CallerDep
) -> HTMLResponse:
    async with context.sessions() as session:
        try:
            state = await load_state(session, batch_id, caller)
        except APIError:
            return error_page(
                request,
                404,
                "Batch not found",
                "There is no batch at this address. The link may be mistyped.",
            )
        batch = await to_out(context, request, state)
    return _page(
        request,
        "public/batch.html",
        {"batch": batch, "refresh_seconds": NOSCRIPT_REFRESH_SECONDS},
    )


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(
    job_id: str, request: Request, context: ContextDep, caller: CallerDep
) -> HTMLResponse:
    job = await _public_job(request, context, job_id, caller)
    if job is None:
        return _job_not_found(request)
    return _page(
        request,
        "public/job.html",
        {"job": job, "refresh_seconds": NOSCRIPT_REFRESH_SECONDS},
    )


@router.post("/jobs/{job_id}/cancel", response_model=None)
async def cancel_without_javascript(
    job_id: str, request: Request, context: ContextDep, caller: CallerDep
) -> Response:
    """The job page's cancel button without JavaScript (with it, the page calls
    POST /api/v1/jobs/{id}/cancel)."""
    if not is_same_origin(request, context.settings.public_base_url):
        return _cross_origin(request)
    async with context.sessions() as session:
        try:
            await cancel_job(job_id, request, context, session, caller)
        except APIError as error:
            if error.status == 404:
                return _job_not_found(request)
            # 409: it ended meanwhile; the job page shows how.
    return RedirectResponse(f"/jobs/{job_id}", status_code=status.HTTP_303_SEE_OTHER)
