"""How a job's notifications appear in the public job JSON."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from upscaler.db.tables import NotificationDelivery
from upscaler.notifications.mail import mask_address


class NotificationOut(BaseModel):
    kind: str  # webhook | email
    event: str  # job.completed | job.failed
    status: str  # pending | delivered | failed
    target: str  # the webhook's origin only; the address masked (a***@example.com)
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None


def url_origin(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def public_target(row: NotificationDelivery) -> str:
    """Never the whole URL (its path or query may hold a token of the
    receiver's) nor the whole address."""
    return mask_address(row.target) if row.kind == "email" else url_origin(row.target)


def public_params(params: dict[str, Any]) -> dict[str, Any]:
    """A job's parameters as the public job JSON shows them: a job link is
    shareable, so the e-mail address is masked and the callback URL cut to its
    origin there too (admins see both in full)."""
    shown = dict(params)
    if isinstance(shown.get("email"), str):
        shown["email"] = mask_address(shown["email"])
    if isinstance(shown.get("callback_url"), str):
        shown["callback_url"] = url_origin(shown["callback_url"])
    return shown


def to_public(rows: Iterable[NotificationDelivery]) -> list[NotificationOut]:
    return [
        NotificationOut(
            kind=row.kind,
            event=row.event,
            status=row.status,
            target=public_target(row),
            attempts=row.attempts,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
        )
        for row in rows
    ]
