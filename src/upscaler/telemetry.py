"""What each API process counts itself, for GET /metrics (upscaler.metrics):
HTTP requests by route and status and their latency, upload bytes received,
rate-limit refusals. A module of its own, low in the import graph, because
the rate limiter and the upload path count into it.

With several API processes (`upscaler-api` with UPSCALER_API_WORKERS > 1) the
launcher points PROMETHEUS_MULTIPROC_DIR at a fresh folder before they start,
and prometheus-client keeps each process's values in files there that a
scrape of any of them adds up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "upscaler_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "upscaler_http_request_duration_seconds",
    "Time to the end of the response body, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UPLOAD_BYTES = Counter("upscaler_upload_bytes_total", "Bytes of accepted uploads")
RATE_LIMITED = Counter(
    "upscaler_rate_limit_refusals_total", "Requests refused with 429, by limit", ["limit"]
)


def process_registry() -> CollectorRegistry:
    """This process's metrics, or every API process's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def route_of(scope: Scope) -> str:
    """The route's template (/api/v1/jobs/{job_id}), never the raw path: one
    series per route, not per job."""
    path = getattr(scope.get("route"), "path", None)  # a mount's is its prefix
    return path if isinstance(path, str) else "unmatched"


class HttpMetricsMiddleware:
    """Pure ASGI, so streamed responses (SSE, downloads) are timed to their end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = route_of(scope)
            if route != "/metrics":
                method = scope.get("method", "GET")
                HTTP_REQUESTS.labels(method, route, str(status)).inc()
                HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
