"""Same-origin check for the pages' plain form posts.

The forms are anonymous (no session to ride on), so there is no CSRF token;
still, another site must not be able to make a visitor's browser upload or
cancel here. Browsers send `Origin` on every POST (and `Referer` under this
app's `Referrer-Policy: same-origin`), so a post whose Origin or Referer names
another host is refused. A request with neither is not a browser's
cross-site form post and is let through, like any API client.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host(netloc: str, scheme: str) -> str:
    netloc = netloc.strip().lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(f":{default}"):
        netloc = netloc.removesuffix(f":{default}")
    return netloc


def _url_host(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return None
    return _host(parts.netloc, parts.scheme)


def allowed_hosts(request: Request, public_base_url: str | None) -> set[str]:
    hosts = {_host(request.headers.get("host", ""), request.url.scheme)}
    if public_base_url:
        public = _url_host(public_base_url)
        if public:
            hosts.add(public)
    hosts.discard("")
    return hosts


def is_same_origin(request: Request, public_base_url: str | None) -> bool:
    allowed = allowed_hosts(request, public_base_url)
    origin = request.headers.get("origin")
    if origin is not None:
        return _url_host(origin) in allowed  # "null" and garbage give None
    referer = request.headers.get("referer")
    if referer is not None:
        return _url_host(referer) in allowed
    return True
