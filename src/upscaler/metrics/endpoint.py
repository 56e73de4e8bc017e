"""GET /metrics for Prometheus: off unless UPSCALER_METRICS_TOKEN is set, then
only with `Authorization: Bearer <token>` (not in the public OpenAPI)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from upscaler.deps import ContextDep
from upscaler.errors import APIError
from upscaler.metrics.exposition import render
from upscaler.metrics.snapshot import read_snapshot
from upscaler.telemetry import process_registry

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, context: ContextDep) -> Response:
    token = context.settings.metrics_token
    if token is None:
        raise APIError(
            404, "not_found", "metrics are off: set UPSCALER_METRICS_TOKEN to scrape them"
        )
    sent = request.headers.get("authorization", "")
    expected = f"Bearer {token.get_secret_value()}"
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise APIError(
            401, "unauthorized", "send the metrics token as a bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )  # fmt: skip
    async with context.sessions() as session:
        snapshot = await read_snapshot(session, context.storage)
    return Response(render(snapshot, process_registry()), media_type=CONTENT_TYPE_LATEST)
