"""/admin/dashboard: KPI cards and the jobs chart, live over server-sent
events (htmx's SSE extension swaps the fragments in), and the quick actions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from upscaler.admin import settings_service, stats
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.rendering import fragment, partial, redirect, render
from upscaler.auth import sessions
from upscaler.auth.deps import auth_runtime
from upscaler.context import AppContext
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)

#: A dashboard stream lives this long; the browser reconnects by itself.
STREAM_SECONDS = 300.0
#: Figures are re-sent at least this often (workers, storage) and at most
#: once per MIN_GAP_SECONDS however busy the job events are.
REFRESH_SECONDS = 5.0
MIN_GAP_SECONDS = 1.0
#: The longest a burst of job events is gathered into one refresh.
BURST_SECONDS = 0.25
CHART_EVERY_SECONDS = 30.0


async def _chart_and_failures(context: AppContext) -> tuple[stats.Chart, list[Any]]:
    async with context.sessions() as session:
        return await stats.jobs_per_hour(session), await stats.recent_failures(session)


@router.get("")
async def admin_root(_principal: AdminPage) -> Response:
    return RedirectResponse("/admin/dashboard", status_code=303)


@router.get("/dashboard")
async def dashboard(request: Request, principal: AdminPage, context: ContextDep) -> Response:
    kpis = await stats.kpis(context)
    chart, failures = await _chart_and_failures(context)
    return render(
        request,
        "admin/dashboard.html",
        principal,
        section="dashboard",
        title="Dashboard",
        kpis=kpis,
        chart=chart,
        failures=failures,
    )


@router.get("/dashboard/kpis")
async def dashboard_kpis(request: Request, context: ContextDep) -> Response:
    """The KPI fragment alone (for clients without server-sent events)."""
    return partial(request, "admin/_kpis.html", kpis=await stats.kpis(context))


def _event(name: str, html: str) -> str:
    lines = "\n".join(f"data: {line}" for line in html.splitlines() or [""])
    return f"event: {name}\n{lines}\n\n"


async def _still_signed_in(context: AppContext, request: Request) -> bool:
    principal = request.state.principal
    async with context.sessions() as session:
        row = await session.get(type(principal.auth), principal.auth.id, populate_existing=True)
        user = await session.get(type(principal.user), principal.user_id, populate_existing=True)
    if row is None or user is None:
        return False
    policy = auth_runtime(context).policy
    return (
        sessions.is_live(row, policy, utcnow())
        and sessions.user_can_log_in(user)
        and user.role == "admin"
    )


@router.get("/dashboard/events")
async def dashboard_events(request: Request, context: ContextDep) -> StreamingResponse:
    """Server-sent events: `kpis` when jobs change (and every few seconds),
    `chart` now and then. Reading the stream does not count as activity
    for the session's idle timeout; a session ended meanwhile stops it."""

    async def body() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        deadline = time.monotonic() + STREAM_SECONDS
        last_chart = time.monotonic()
        last_outcomes: tuple[int, int] | None = None
        async with context.bus.subscribe(None) as events:
            iterator = aiter(events)
            pending: asyncio.Future[Any] | None = None

            async def next_change(wait_seconds: float) -> None:
                """Wait for a job event (or the timeout), then swallow the
                burst that came with it: one refresh covers them all. The
                swallowing is bounded: a fast job sends progress events closer
                together than any gap, and would otherwise hold the refresh
                back until it had ended."""
                nonlocal pending
                burst_ends: float | None = None
                while True:
                    if pending is None:
                        pending = asyncio.ensure_future(anext(iterator))
                    done, _ = await asyncio.wait({pending}, timeout=wait_seconds)
                    if not done:
                        return
                    pending = None
                    now = time.monotonic()
                    burst_ends = burst_ends or now + BURST_SECONDS
                    if now >= burst_ends:
                        return
                    wait_seconds = min(0.05, burst_ends - now)

            try:
                while time.monotonic() < deadline and not await request.is_disconnected():
                    if not await _still_signed_in(context, request):
                        yield _event("kpis", fragment("admin/_session_ended.html"))
                        return
                    kpis = await stats.kpis(context)
                    yield _event("kpis", fragment("admin/_kpis.html", kpis=kpis))
                    outcomes = (kpis.completed_today, kpis.failed_today)
                    if (
                        outcomes != last_outcomes
                        or time.monotonic() - last_chart >= CHART_EVERY_SECONDS
                    ):
                        chart, _failures = await _chart_and_failures(context)
                        yield _event("chart", fragment("admin/_chart.html", chart=chart))
                        last_chart, last_outcomes = time.monotonic(), outcomes
                    await asyncio.sleep(MIN_GAP_SECONDS)
                    await next_change(REFRESH_SECONDS)
            finally:
                if pending is not None:
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _apply(
    request: Request,
    principal: AdminPage,
    context: AppContext,
    session: Any,
    changes: dict[str, Any],
    done: str,
) -> Response:
    try:
        _updated, diff = await settings_service.apply(
            context, session, changes, actor=principal.actor
        )
    except APIError as error:
        detail = "; ".join(f"{f.field}: {f.message}" for f in error.fields) or error.message
        return redirect(request, "/admin/dashboard", detail, "error")
    return redirect(request, "/admin/dashboard", done if diff else "Nothing changed.")


@router.post("/queue/pause")
async def pause_queue(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    return await _apply(
        request,
        principal,
        context,
        session,
        {"queue_paused": True},
        "Queue paused: queued jobs wait; running jobs finish.",
    )


@router.post("/queue/resume")
async def resume_queue(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    return await _apply(
        request, principal, context, session, {"queue_paused": False}, "Queue resumed."
    )


@router.post("/maintenance")
async def maintenance(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    enabled = form.get("enabled") == "on"
    changes: dict[str, Any] = {"maintenance_mode": enabled}
    message = str(form.get("message", "")).strip()
    if message:
        changes["maintenance_message"] = message
    done = (
        "Maintenance mode on: uploads are refused with 503 and your message."
        if enabled
        else "Maintenance mode off: uploads are accepted."
    )
    return await _apply(request, principal, context, session, changes, done)
