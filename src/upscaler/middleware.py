"""Security headers and request ids on every response (pure ASGI, so
streaming is untouched)."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upscaler.logs import log_context

# Pages are plain HTML with their scripts and styles served by the app itself:
# nothing inline, nothing from elsewhere.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI's page bootstraps itself inline and may come from FastAPI's CDN.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def strict_csp(image_origins: tuple[str, ...], captcha_origins: tuple[str, ...]) -> str:
    """The pages' policy, opened only for the bucket's images (presigned
    downloads) and the CAPTCHA provider's script, frames and calls."""
    csp = STRICT_CSP
    if image_origins:
        extra = " ".join(image_origins)
        csp = csp.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {extra}")
    if captcha_origins:
        extra = " ".join(captcha_origins)
        csp = csp.replace("script-src 'self'", f"script-src 'self' {extra}")
        csp = csp.replace("connect-src 'self'", f"connect-src 'self' {extra}")
        csp += f"; frame-src {extra}"
    return csp


class SecurityHeadersMiddleware:
    """image_origins: where else pages may load images from (the bucket, when
    downloads are presigned S3 URLs)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        production: bool,
        image_origins: tuple[str, ...] = (),
        captcha_origins: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.production = production
        self.strict_csp = strict_csp(image_origins, captcha_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in ("/docs", "/docs/oauth2-redirect") else self.strict_csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if self.production:
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: An incoming X-Request-ID is kept only when it looks like an id (a proxy's
#: or a client's); anything else gets one of ours instead.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,64}")


class RequestContextMiddleware:
    """Gives every request an id (its X-Request-ID, or a new one), puts it in
    the logging context for the request's lines and the jobs it enqueues, and
    answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get("x-request-id", "")
        request_id = sent if REQUEST_ID_PATTERN.fullmatch(sent) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with log_context(request_id=request_id):
            await self.app(scope, receive, send_with_id)
