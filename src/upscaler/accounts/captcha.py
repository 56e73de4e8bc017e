"""The CAPTCHA option for anonymous uploads: Cloudflare Turnstile, hCaptcha or
reCAPTCHA, which share one server-side check (POST secret, response and the
client's address to the provider's siteverify; JSON `success`).

The page shows the provider's widget, which puts its token in the form under
the provider's field name; API clients send it as `captcha_token`. Accounts
(an API key, a token, a session) need none: their limits are their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from upscaler.config import Settings
from upscaler.errors import APIError, FieldError

log = logging.getLogger(__name__)

FIELD = "captcha_token"
VERIFY_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Provider:
    verify_url: str
    script: str
    #: Where its script, frames and calls come from (the page's CSP allows them).
    origins: tuple[str, ...]
    #: The widget's element class, and the form field its token fills.
    widget_class: str
    field: str


PROVIDERS = {
    "turnstile": Provider(
        "https://challenges.cloudflare.com/turnstile/v0/siteverify",
        "https://challenges.cloudflare.com/turnstile/v0/api.js",
        ("https://challenges.cloudflare.com",),
        "cf-turnstile",
        "cf-turnstile-response",
    ),
    "hcaptcha": Provider(
        "https://api.hcaptcha.com/siteverify",
        "https://js.hcaptcha.com/1/api.js",
        ("https://hcaptcha.com", "https://*.hcaptcha.com"),
        "h-captcha",
        "h-captcha-response",
    ),
    "recaptcha": Provider(
        "https://www.google.com/recaptcha/api/siteverify",
        "https://www.google.com/recaptcha/api.js",
        ("https://www.google.com", "https://www.gstatic.com"),
        "g-recaptcha",
        "g-recaptcha-response",
    ),
}
TOKEN_FIELDS = (FIELD, *(p.field for p in PROVIDERS.values()))


def provider_of(settings: Settings) -> Provider | None:
    return PROVIDERS.get(settings.captcha_provider)


def pop_token(fields: dict[str, str]) -> str:
    """Take every CAPTCHA field out of a form (the upload form does not know
    them); the first non-empty one is the token."""
    values = [fields.pop(name, "") for name in TOKEN_FIELDS]
    return next((value for value in values if value.strip()), "")


def _refused(message: str) -> APIError:
    return APIError(400, "captcha_failed", message, fields=[FieldError(FIELD, message)])


async def verify(settings: Settings, token: str, ip: str) -> None:
    """Nothing when no provider is set; 400 for a missing or refused token;
    503 when the provider cannot be asked."""
    provider = provider_of(settings)
    if provider is None:
        return
    if not token:
        raise _refused("solve the CAPTCHA first (anonymous uploads need it)")
    assert settings.captcha_secret is not None  # Settings checked it
    data = {
        "secret": settings.captcha_secret.get_secret_value(),
        "response": token[:4096],
        "remoteip": ip,
    }
    try:
        async with httpx.AsyncClient(timeout=VERIFY_TIMEOUT_SECONDS) as client:
            answer = await client.post(
                settings.captcha_verify_url or provider.verify_url, data=data
            )
            # An error status is the provider failing, not the token refused
            # (siteverify answers 200 with success false for that), even
            # when its body is JSON.
            answer.raise_for_status()
            result = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        log.warning("CAPTCHA verification unavailable: %s", error)
        raise APIError(
            503,
            "unavailable",
            "the CAPTCHA could not be checked right now; please try again",
            headers={"Retry-After": "10"},
        ) from error
    if not (isinstance(result, dict) and result.get("success") is True):
        codes = result.get("error-codes") if isinstance(result, dict) else None
        log.info("CAPTCHA refused: %s", codes)
        raise _refused("the CAPTCHA was not accepted; solve it again")
