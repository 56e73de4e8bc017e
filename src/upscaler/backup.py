"""Backup and restore: `upscaler-admin backup DIR` / `upscaler-admin restore DIR`.

A backup is a folder:

    manifest.json   what it holds: when, the schema revision, row counts per
                    table, and every stored object the rows refer to (key,
                    size, sha256 when copied, whether it was found)
    tables/*.jsonl  every row of every table, one JSON object per line
    files/<key>     the stored objects themselves (the default with local
                    storage; with S3, `--files` copies them too, or mirror
                    the bucket beside the backup)

The rows are read in one transaction (PostgreSQL REPEATABLE READ, SQLite's
read snapshot), so they are consistent with each other while the service
runs; a job finishing meanwhile is in the backup as it was when it began.
The format does not depend on the database, so a backup of SQLite restores
into PostgreSQL and back. Restore wants a deployment with no uploads or jobs
yet, migrated to the same schema revision: it replaces every table's rows,
puts the files back into storage and checks that every object the rows
refer to is there.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from upscaler.db import tables  # noqa: F401  (registers every table on SQLModel.metadata)
from upscaler.db.types import UTCDateTime, utcnow
from upscaler.storage.base import Storage

FORMAT = 1
#: Columns that hold storage keys, by table.
KEY_COLUMNS = {
    "uploads": ("storage_key",),
    "jobs": ("result_storage_key", "thumbnail_storage_key"),
    "models": ("storage_key",),
}
#: Rows a freshly migrated deployment already has, and restore replaces.
REPLACEABLE_WHEN_EMPTY = ("uploads", "jobs")


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass
class Report:
    tables: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    copied: int = 0
    missing: list[str] = field(default_factory=list)


def _tables() -> list[Table]:
    """Every table, parents before children (foreign keys)."""
    return list(SQLModel.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for name, value in row.items():
        column = table.columns[name]
        if isinstance(value, dict) and set(value) == {"$base64"}:
            value = base64.b64decode(value["$base64"])
        elif isinstance(value, str) and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        decoded[name] = value
    return decoded


async def _revision(connection: AsyncConnection) -> str | None:
    try:
        result = await connection.execute(text("SELECT version_num FROM alembic_version"))
    except Exception as error:
        raise BackupError(
            f"the database has no schema yet (run the migrations): {error}"
        ) from error
    row = result.first()
    return str(row[0]) if row else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"refusing the storage key {key!r}")
    return path


def _prepare(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    (folder / "tables").mkdir(parents=True, exist_ok=True)


async def backup(engine: AsyncEngine, storage: Storage, folder: Path, *, files: bool) -> Report:
    await asyncio.to_thread(_prepare, folder)
    report = Report()
    keys: set[str] = set()
    async with engine.connect() as connection:
        postgres = engine.dialect.name == "postgresql"
        if postgres:  # one snapshot for every table, while the service writes
            await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            if postgres:
                await connection.execute(text("SET TRANSACTION READ ONLY"))
            revision = await _revision(connection)
            for table in _tables():
                result = await connection.execute(select(table))
                count = 0
                with (folder / "tables" / f"{table.name}.jsonl").open("w") as out:
                    for row in result.mappings():
                        out.write(json.dumps({k: _encode(v) for k, v in row.items()}) + "\n")
                        count += 1
                        for column in KEY_COLUMNS.get(table.name, ()):
                            if row[column]:
                                keys.add(str(row[column]))
                report.tables[table.name] = count

    objects = []
    for key in sorted(keys):
        entry: dict[str, Any] = {"key": key, "found": await storage.exists(key)}
        if entry["found"]:
            entry["size_bytes"] = await storage.size(key)
            if files:
                target = folder / "files" / _safe_key(key)
                target.parent.mkdir(parents=True, exist_ok=True)
                await storage.download_to(key, target)
                entry["sha256"] = _sha256(target)
                report.copied += 1
        else:
            report.missing.append(key)
        objects.append(entry)
    report.objects = len(objects)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": engine.dialect.name,
        "schema_revision": revision,
        "tables": report.tables,
        "files_included": files,
        "objects": objects,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return report


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{folder} has no manifest.json: not a backup") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


async def restore(engine: AsyncEngine, storage: Storage, folder: Path) -> Report:
    manifest = read_manifest(folder)
    report = Report()
    async with engine.begin() as connection:
        revision = await _revision(connection)
        if revision != manifest["schema_revision"]:
            raise BackupError(
                f"the backup is at schema revision {manifest['schema_revision']}, this database "
                f"at {revision}: restore with the release that made the backup, then upgrade"
            )
        for name in REPLACEABLE_WHEN_EMPTY:
            table = SQLModel.metadata.tables[name]
            count = (await connection.execute(select(func.count()).select_from(table))).scalar()
            if count:
                raise BackupError(
                    f"this deployment already has {count} {name}: restore into an empty one"
                )
        ordered = _tables()
        for table in reversed(ordered):
            await connection.execute(table.delete())
        for table in ordered:
            path = folder / "tables" / f"{table.name}.jsonl"
            rows = []
            if path.exists():
                with path.open() as handle:
                    rows = [_decode(table, json.loads(line)) for line in handle if line.strip()]
            for start in range(0, len(rows), 500):
                await connection.execute(insert(table), rows[start : start + 500])
            report.tables[table.name] = len(rows)
        if engine.dialect.name == "postgresql":
            await _reset_sequences(connection, ordered)

    for entry in manifest["objects"]:
        key = entry["key"]
        source = folder / "files" / _safe_key(key)
        if source.is_file():
            if "sha256" in entry and _sha256(source) != entry["sha256"]:
                raise BackupError(f"{source} does not match its checksum in the manifest")
            await storage.put_file(key, source, "application/octet-stream")
            report.copied += 1
        if not await storage.exists(key):
            report.missing.append(key)
    report.objects = len(manifest["objects"])
    return report


async def _reset_sequences(connection: AsyncConnection, ordered: list[Table]) -> None:
    """Serial ids continue after the restored rows."""
    for table in ordered:
        for column in table.primary_key.columns:
            if column.type.python_type is int:  # serial or not: the database says
                sequence = await connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
                name = sequence.scalar()
                if name:
                    largest = select(func.max(column)).scalar_subquery()
                    await connection.execute(
                        select(func.setval(name, func.coalesce(largest, 0) + 1, False))
                    )
