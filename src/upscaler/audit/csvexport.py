"""CSV export that spreadsheets cannot be tricked by.

A cell beginning with = + - @ (or a tab or carriage return) is a formula to
Excel and LibreOffice; every such cell is prefixed with a quote (OWASP's
advice against CSV injection), since audit details and file names come from
users."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def encode_rows(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


async def stream_csv(
    header: Sequence[str], rows: AsyncIterator[Sequence[Any]], *, chunk_rows: int = 200
) -> AsyncIterator[bytes]:
    """A UTF-8 CSV (with BOM, so spreadsheets read accents right), in chunks."""
    yield ("\ufeff" + encode_rows([header])).encode("utf-8")
    pending: list[Sequence[Any]] = []
    async for row in rows:
        pending.append(row)
        if len(pending) >= chunk_rows:
            yield encode_rows(pending).encode("utf-8")
            pending = []
    if pending:
        yield encode_rows(pending).encode("utf-8")
