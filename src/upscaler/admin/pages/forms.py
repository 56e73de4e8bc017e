"""Reading the admin's HTML forms and query strings."""

from __future__ import annotations

from starlette.datastructures import FormData, QueryParams


def text(source: FormData | QueryParams, name: str, limit: int = 200) -> str | None:
    value = source.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def page_number(source: QueryParams) -> int:
    try:
        return max(1, min(100_000, int(source.get("page", "1"))))
    except ValueError:
        return 1


def checked(source: FormData, name: str) -> bool:
    return source.get(name) in ("on", "true", "1", "yes")
