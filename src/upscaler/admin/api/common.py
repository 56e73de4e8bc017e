"""What every admin API module shares: the auth errors it documents, pagination
parameters and UTC handling (CSV downloads: `upscaler.audit.csvexport`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query

from upscaler.auth.endpoints import error

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("Not signed in, or the session/token has ended"),
    403: error(
        "Not an admin, the password must be changed first, or (cookie sessions) the CSRF "
        "token is missing"
    ),
}


Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


def utc(value: datetime | None) -> datetime | None:
    """Timestamps without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
