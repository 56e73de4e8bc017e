"""CSV export that spreadsheets cannot be tricked by.

A cell beginning with = + - @ (or a tab or carriage return) is a formula to
Excel and LibreOffice; every such cell is prefixed with a quote (OWASP's
advice against CSV injection), since audit details and file names come from
users.

`csv_download` is the one way the admin pages and the admin API hand out a
CSV: the usage report and the audit log both go through it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

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


#: Reads the rows of one export from a database session of its own.
RowSource = Callable[[AsyncSession], AsyncIterator[Sequence[Any]]]


def csv_download(
    sessions: async_sessionmaker[AsyncSession],
    header: Sequence[str],
    rows: RowSource,
    name: str,
) -> StreamingResponse:
    """A CSV attachment `<name>-<UTC time>.csv`, streamed as it is read.

    The rows are read in a session opened for the stream (the request's own
    session is closed before the body is sent)."""

    async def read() -> AsyncIterator[Sequence[Any]]:
        async with sessions() as reader:
            async for row in rows(reader):
                yield row

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        stream_csv(header, read()),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
