"""Who is calling, and the guards of the JSON API (the admin pages' own guards,
which redirect instead, are `upscaler.admin.guards`).

A caller proves itself with a bearer token (``Authorization: Bearer uap_...``)
or the session cookie. Both are looked up in `auth_sessions` on every
request. A request authenticated by the cookie that changes state must also
carry the session's CSRF token (header ``X-CSRF-Token``, or the form field
``csrf_token``); bearer requests need none, since a browser never attaches a
bearer token by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from upscaler.audit.service import Actor
from upscaler.auth import sessions
from upscaler.auth.policy import COOKIE_NAME, CSRF_FIELD, CSRF_HEADER, AuthPolicy
from upscaler.auth.throttle import LoginThrottle
from upscaler.auth.tokens import csrf_token_for, same
from upscaler.context import AppContext
from upscaler.db.tables import AuthSession, User
from upscaler.deps import ContextDep
from upscaler.errors import APIError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Sent by the admin's polling fragments: such requests do not extend a
#: session's idle time.
BACKGROUND_HEADER = "X-Background-Refresh"
ADMIN = "admin"

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="A token from `POST /api/v1/auth/login` (`access_token`).",
)
cookie_scheme = APIKeyCookie(
    name=COOKIE_NAME,
    auto_error=False,
    scheme_name="sessionCookie",
    description=(
        "The admin panel's session cookie. Requests that change state must also "
        f"send the session's CSRF token in the `{CSRF_HEADER}` header."
    ),
)


@dataclass
class AuthRuntime:
    policy: AuthPolicy
    throttle: LoginThrottle


def auth_runtime(context: AppContext) -> AuthRuntime:
    """Made once per app, on first use (tests may replace the policy)."""
    runtime = context.state.get("auth")
    if runtime is None:
        policy = AuthPolicy.from_settings(context.settings)
        runtime = AuthRuntime(policy, LoginThrottle(context.settings.redis_url, policy))
        context.state["auth"] = runtime
    assert isinstance(runtime, AuthRuntime)
    return runtime


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass
class Principal:
    user: User
    auth: AuthSession
    via: Literal["cookie", "bearer"]
    secret: str
    csrf_token: str | None
    ip: str

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.user.role == ADMIN

    @property
    def must_change_password(self) -> bool:
        return self.user.force_password_reset

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.username, self.ip)


class _Invalid:
    """Credentials were presented but are not (or no longer) valid."""


_INVALID = _Invalid()


async def _resolve(
    request: Request,
    context: AppContext,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal | _Invalid | None:
    runtime = auth_runtime(context)
    if bearer is not None:
        secret, kind = bearer.credentials, "bearer"
    elif cookie:
        secret, kind = cookie, "cookie"
    else:
        return None
    # Live streams and polling fragments are not the person being active.
    touch = request.headers.get(BACKGROUND_HEADER) is None and not request.url.path.endswith(
        "/events"
    )
    async with context.sessions() as session:
        found = await sessions.resolve(
            session,
            secret,
            kind,  # type: ignore[arg-type]
            runtime.policy,
            touch=touch,
        )
    if found is None:
        return _INVALID
    row, user = found
    csrf = csrf_token_for(context.settings.secret(), secret) if kind == "cookie" else None
    return Principal(user, row, kind, secret, csrf, client_ip(request))  # type: ignore[arg-type]


async def optional_principal(
    request: Request,
    context: ContextDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached if isinstance(cached, Principal) else None
    found = await _resolve(request, context, bearer, cookie)
    request.state.principal = found if found is not None else _INVALID
    request.state.auth_presented = found is not None
    return found if isinstance(found, Principal) else None


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def _unauthenticated(request: Request) -> APIError:
    presented = getattr(request.state, "auth_presented", False)
    message = (
        "the session or token has ended or is not valid; sign in again"
        if presented
        else "sign in first: send a bearer token or the session cookie"
    )
    return APIError(401, "not_authenticated", message, headers={"WWW-Authenticate": "Bearer"})


async def csrf_from_request(request: Request) -> str | None:
    """The header, or the field of a url-encoded form. Multipart bodies (file
    uploads) must use the header: they are streamed by their endpoint and
    are not read before the caller has been checked."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def same_origin(request: Request) -> bool:
    """Origin, when the browser sends one, must be this site (as the client
    addressed it, as a proxy forwarded it, or as configured)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    netloc = urlsplit(origin).netloc
    allowed = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    context: AppContext | None = getattr(request.app.state, "context", None)
    if context is not None and context.settings.public_base_url:
        allowed.add(urlsplit(context.settings.public_base_url).netloc)
    return netloc in allowed - {""}


async def check_csrf(request: Request, principal: Principal) -> None:
    """Cookie-authenticated requests that change state must prove they come
    from our own pages."""
    if principal.via != "cookie" or request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise APIError(403, "csrf_failed", "cross-site request refused")
    if not same(await csrf_from_request(request), principal.csrf_token):
        raise APIError(
            403,
            "csrf_failed",
            f"missing or wrong CSRF token: send the `{CSRF_HEADER}` header "
            "(reload the page if it has been open for long)",
        )


async def require_user(request: Request, principal: OptionalPrincipal) -> Principal:
    """Any signed-in user (the password change and sign-out endpoints)."""
    if principal is None:
        raise _unauthenticated(request)
    await check_csrf(request, principal)
    return principal


async def require_admin(request: Request, principal: OptionalPrincipal) -> Principal:
    """The admin role, with the password changed if a change is required."""
    principal = await require_user(request, principal)
    if principal.must_change_password:
        raise APIError(
            403,
            "password_change_required",
            "change your password first: POST /api/v1/auth/password",
        )
    if not principal.is_admin:
        raise APIError(403, "forbidden", "this needs the admin role")
    return principal


UserPrincipal = Annotated[Principal, Depends(require_user)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
