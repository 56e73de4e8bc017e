"""The time bounds of the admin's filters (jobs, audit log, requeue by model),
read the same way by the admin pages and the admin API.

A bound is an ISO 8601 moment (`2026-12-03T13:45`, UTC unless it names a
zone) or a bare date (`2026-12-03`, a whole UTC day). `since` is inclusive
and `until` exclusive (`created_at >= since`, `created_at < until`), so a
bare `since` date means that day's first moment and a bare `until` date the
moment that day ends: "until 2026-12-03" includes all of 3 December.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, TypeAdapter, ValidationError

_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_utc(value: datetime) -> datetime:
    """A moment without a zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bare_date(end_of_day: bool) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if isinstance(value, str) and _BARE_DATE.fullmatch(value.strip()):
            day = date.fromisoformat(value.strip())
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        return value  # a moment: pydantic parses it

    return read


#: The lower bound (inclusive): a bare date is the start of that day.
Since = Annotated[datetime, BeforeValidator(_bare_date(False)), AfterValidator(as_utc)]
#: The upper bound (exclusive): a bare date is the moment that day ends.
Until = Annotated[datetime, BeforeValidator(_bare_date(True)), AfterValidator(as_utc)]

_SINCE: TypeAdapter[datetime] = TypeAdapter(Since)
_UNTIL: TypeAdapter[datetime] = TypeAdapter(Until)


def bound(value: str | None, *, until: bool = False) -> datetime | None:
    """A form's or query string's bound, None if empty or not a date (the
    pages ignore what they cannot read; the API answers 422)."""
    if not value:
        return None
    try:
        return (_UNTIL if until else _SINCE).validate_python(value)
    except ValidationError:
        return None
