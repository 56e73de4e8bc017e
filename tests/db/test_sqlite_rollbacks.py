"""SQLite engines skip the rollbacks that have nothing to undo (each would be
a hop to aiosqlite's thread), and still undo every transaction left open:
by a session closed without commit, or by a connection handed back to the pool."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from upscaler.db.engine import make_sessionmaker
from upscaler.db.migrate import upgrade_to_head
from upscaler.db.tables import Job, Setting


@pytest.fixture
def migrated_url(tmp_path: Path) -> str:
    """SQLite alone (conftest's `engine` is made from it): the rollbacks
    skipped are aiosqlite's."""
    url = f"sqlite:///{tmp_path / 'rollbacks.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture
def driver_rollbacks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every rollback that reaches aiosqlite, with whether a transaction was open."""
    seen: list[bool] = []
    rollback = aiosqlite.Connection.rollback

    async def counted(self: aiosqlite.Connection) -> None:
        seen.append(self.in_transaction)
        await rollback(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    return seen


async def test_a_session_that_only_read_sends_no_rollback(
    engine: AsyncEngine, driver_rollbacks: list[bool]
) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await session.get(Job, "job_none") is None
    async with sessions() as session:
        await session.exec(select(func.count()).select_from(Job))
    assert driver_rollbacks == []


async def test_a_write_left_uncommitted_is_undone(
    engine: AsyncEngine, driver_rollbacks: list[bool]
) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        session.add(Setting(key="probe", value=1))
        await session.flush()  # written, never committed
    # A connection handed back in a transaction is rolled back by the pool too.
    async with engine.connect() as connection:
        await connection.execute(
            text(
                "INSERT INTO settings (key, value, updated_at) VALUES ('other', '1', '2026-01-01')"
            )
        )
        await connection.close()
    assert driver_rollbacks and all(driver_rollbacks)
    async with sessions() as session:
        left = await session.exec(select(Setting).where(col(Setting.key).in_(["probe", "other"])))
        assert left.all() == []
        # Nothing holds the write lock: another writer goes through at once.
        session.add(Setting(key="after", value=1))
        await session.commit()
