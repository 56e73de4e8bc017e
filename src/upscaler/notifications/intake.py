"""Upload-time checks of `email` and `callback_url` (400 field errors).

The form's own validation (synchronous) has already checked their syntax;
here the callback's host is resolved (in a thread, with a time limit) and
refused when it is not an address we may call, and an e-mail is refused
when this server cannot send one.
"""

from __future__ import annotations

import asyncio

from upscaler.config import Settings
from upscaler.errors import APIError, FieldError
from upscaler.notifications.ssrf import (
    Resolver,
    UnsafeCallbackError,
    check_callback_url,
    system_resolver,
)

#: The longest an upload waits for the callback's host to resolve.
RESOLVE_TIMEOUT_SECONDS = 5.0


def _refuse(field: str, message: str, summary: str) -> APIError:
    return APIError(400, "invalid_request", summary, fields=[FieldError(field, message)])


async def check_notification_targets(
    settings: Settings,
    *,
    email: str | None,
    callback_url: str | None,
    resolver: Resolver = system_resolver,
) -> None:
    if email is not None and settings.smtp_url is None:
        raise _refuse(
            "email",
            "notifications by e-mail are not enabled on this server",
            "e-mail notifications are not enabled",
        )
    if callback_url is None:
        return
    try:
        await asyncio.wait_for(
            asyncio.to_thread(
                check_callback_url,
                callback_url,
                allow_private=settings.webhook_allow_private,
                resolver=resolver,
            ),
            RESOLVE_TIMEOUT_SECONDS,
        )
    except UnsafeCallbackError as error:
        raise _refuse("callback_url", str(error), "callback_url refused") from error
    except TimeoutError as error:
        raise _refuse(
            "callback_url", "its host could not be resolved in time", "callback_url refused"
        ) from error
