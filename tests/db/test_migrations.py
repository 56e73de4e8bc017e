import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.config import DEFAULT_SEED_PASS, DEFAULT_SEED_USER
from upscaler.db.migrate import alembic_config, upgrade_to_head
from upscaler.db.tables import User
from upscaler.security.passwords import verify_password

EXPECTED_TABLES = {"users", "uploads", "jobs", "models", "audit_logs", "settings", "workers"}


async def test_schema_has_the_blueprint_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        job_indexes = await connection.run_sync(lambda c: inspect(c).get_indexes("jobs"))
        upload_indexes = await connection.run_sync(lambda c: inspect(c).get_indexes("uploads"))
        user_uniques = await connection.run_sync(
            lambda c: inspect(c).get_unique_constraints("users")
        )
    assert tables >= EXPECTED_TABLES
    assert any(ix["column_names"] == ["status", "created_at"] for ix in job_indexes)
    assert any(ix["column_names"] == ["owner_id"] for ix in upload_indexes)
    assert {tuple(u["column_names"]) for u in user_uniques} >= {("username",), ("email",)}


async def test_admin_is_seeded_hashed_and_must_change_password(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        admin = (await session.exec(select(User).where(User.username == DEFAULT_SEED_USER))).one()
    assert admin.role == "admin"
    assert admin.force_password_reset is True
    assert admin.is_active is True
    assert admin.password_hash.startswith("$argon2id$")
    assert DEFAULT_SEED_PASS not in admin.password_hash
    assert verify_password(DEFAULT_SEED_PASS, admin.password_hash)
    assert not verify_password("wrong", admin.password_hash)


async def test_upgrade_is_idempotent_and_keeps_one_admin(
    migrated_url: str, engine: AsyncEngine
) -> None:
    await asyncio.to_thread(upgrade_to_head, migrated_url)  # a second replica starting, say
    async with engine.connect() as connection:
        admins = (
            await connection.execute(
                text("SELECT count(*) FROM users WHERE username = :name"),
                {"name": DEFAULT_SEED_USER},
            )
        ).scalar_one()
        version = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one()
    head = ScriptDirectory.from_config(alembic_config(migrated_url)).get_current_head()
    assert admins == 1
    assert version == head
