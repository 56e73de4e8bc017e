"""Free-text search over columns, the same for every admin list (jobs, audit log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its `%`, `_` and `\\` taken
    literally (escaped with a backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains_any(text: str, *columns: Any) -> ColumnElement[bool]:
    """True where any of `columns` contains `text` (case-insensitive)."""
    pattern = contains_pattern(text.strip())
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
