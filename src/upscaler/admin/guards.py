"""The guards of the admin pages: where the JSON API answers 401/403
(`upscaler.auth.deps`), a page redirects to the sign-in or password page or
shows an error page. They raise `PageResponse`, which `upscaler.admin.routes`
answers."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from upscaler.admin.rendering import error_page
from upscaler.auth.deps import OptionalPrincipal, Principal, check_csrf
from upscaler.errors import APIError


class PageResponse(Exception):  # noqa: N818 - it carries a response, it is not an error
    """Raised by page guards to answer with a redirect or an error page."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def safe_next(target: str | None) -> str:
    """Only our own admin pages are valid places to come back to."""
    if target and target.startswith("/admin") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return "/admin/dashboard"


def login_redirect(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/admin/login"
    if request.method == "GET" and here.startswith("/admin") and here != "/admin/login":
        location += "?next=" + quote(here, safe="")
    if request.headers.get("HX-Request"):
        # htmx swaps a fragment: tell it to load the login page instead.
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def admin_page_principal(request: Request, principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise PageResponse(login_redirect(request))
    if principal.must_change_password:
        if request.headers.get("HX-Request"):
            raise PageResponse(
                Response(status_code=403, headers={"HX-Redirect": "/admin/password"})
            )
        raise PageResponse(RedirectResponse("/admin/password", status_code=303))
    if not principal.is_admin:
        raise PageResponse(
            error_page(request, 403, "Admins only", "Your account does not have the admin role.")
        )
    try:
        await check_csrf(request, principal)
    except APIError as error:
        raise PageResponse(
            error_page(request, 403, "Request refused", error.message, principal=principal)
        ) from error
    return principal


AdminPage = Annotated[Principal, Depends(admin_page_principal)]
