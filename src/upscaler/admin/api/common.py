"""What every admin API module shares: the auth errors it documents, pagination
parameters and the help of the time filters (their parsing:
`upscaler.admin.datefilter`; CSV downloads: `upscaler.audit.csvexport`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from upscaler.openapi import documented_error as error

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("Not signed in, or the session/token has ended"),
    403: error(
        "Not an admin, the password must be changed first, or (cookie sessions) the CSRF "
        "token is missing"
    ),
}


Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]

SINCE_HELP = "at or after (ISO 8601, UTC unless zoned); a bare date: from that day's start"
UNTIL_HELP = "before (ISO 8601, UTC unless zoned); a bare date: through the end of that day"
