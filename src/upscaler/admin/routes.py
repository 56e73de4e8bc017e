"""Every router of the admin and auth, in the order the app includes them,
and the app-level hook the page guards need."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response

from upscaler.admin import api
from upscaler.admin.guards import PageResponse
from upscaler.admin.pages import (
    audit,
    auth,
    dashboard,
    jobs,
    models,
    settings,
    system,
    users,
    workers,
)
from upscaler.auth import endpoints as auth_endpoints

routers = (
    auth_endpoints.router,
    api.router,
    auth.router,
    dashboard.router,
    jobs.router,
    workers.router,
    models.router,
    settings.router,
    users.router,
    audit.router,
    system.router,
)


async def _page_response(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageResponse)
    return exc.response


def install(app: FastAPI) -> None:
    """Page guards answer with redirects and HTML error pages (not the API's
    JSON errors): they raise PageResponse, answered here."""
    app.add_exception_handler(PageResponse, _page_response)
