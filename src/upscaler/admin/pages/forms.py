"""Reading the admin's HTML forms and query strings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.datastructures import FormData, QueryParams


def text(source: FormData | QueryParams, name: str, limit: int = 200) -> str | None:
    value = source.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def when(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """`2026-11-21` (a whole day, UTC) or `2026-11-21T13:45` (UTC); None if
    empty or not a date. `end_of_day` makes a bare date exclusive-inclusive:
    the moment after that day ends."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def page_number(source: QueryParams) -> int:
    try:
        return max(1, min(100_000, int(source.get("page", "1"))))
    except ValueError:
        return 1


def checked(source: FormData, name: str) -> bool:
    return source.get(name) in ("on", "true", "1", "yes")
