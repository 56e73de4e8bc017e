"""The admin's queries and state changes on both databases: SQLite and the
machine's PostgreSQL (JSON search, sub-selects, compare-and-set updates)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.helpers import fresh_postgres_database
from upscaler.audit.queries import AuditFilter, search
from upscaler.audit.service import Actor, record
from upscaler.auth import sessions
from upscaler.auth.policy import AuthPolicy
from upscaler.catalog import registry
from upscaler.contracts import JobStatus
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.migrate import upgrade_to_head
from upscaler.db.tables import Job, Model, Upload, User
from upscaler.db.types import utcnow
from upscaler.jobs.query import JobFilter, list_jobs

POLICY = AuthPolicy(
    session_idle=timedelta(minutes=30),
    session_absolute=timedelta(hours=12),
    token_lifetime=timedelta(hours=8),
    failures_per_account=5,
    failures_per_ip=20,
    failure_window_minutes=15,
    secure_cookies=False,
)
ACTOR = Actor(1, "abdullah", "203.0.113.7")


@pytest.fixture(scope="module")
def fresh_postgres() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('admin-db') / 'test.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres")
    upgrade_to_head(url)
    return url


@pytest.fixture
async def db(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_sessions_resolve_expire_and_revoke(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as session:
        user = User(username=f"s-{secrets.token_hex(3)}", password_hash="x", role="admin")
        session.add(user)
        await session.commit()
        cookie = await sessions.issue(session, user, "cookie", POLICY, ip="::1", user_agent="t")
        token = await sessions.issue(session, user, "bearer", POLICY, ip="::1", user_agent=None)
        assert token.secret.startswith("uap_")
        assert await sessions.resolve(session, cookie.secret, "cookie", POLICY) is not None
        # A cookie secret is not a bearer token, and the reverse.
        assert await sessions.resolve(session, cookie.secret, "bearer", POLICY) is None
        assert await sessions.resolve(session, token.secret, "cookie", POLICY) is None
        assert user.id is not None
        ended = await sessions.revoke_all(session, user.id, "test", keep=token.row.id)
        assert ended == 1
        assert await sessions.resolve(session, cookie.secret, "cookie", POLICY) is None
        assert await sessions.resolve(session, token.secret, "bearer", POLICY) is not None
        counts = await sessions.live_counts(session, POLICY)
        assert counts[user.id] == 1
        user.is_active = False
        session.add(user)
        await session.commit()
        assert await sessions.resolve(session, token.secret, "bearer", POLICY) is None


async def test_audit_search_reaches_into_the_json_details(
    db: async_sessionmaker[AsyncSession],
) -> None:
    marker = f"needle_{secrets.token_hex(3)}"
    async with db() as session:
        await record(session, ACTOR, "settings.update", details={"note": f"a {marker} 100%"})
        await record(session, ACTOR, "job.cancel", entity_type="job", entity_id="job_zz")
        entries, total = await search(session, AuditFilter(q=marker))
        assert total == 1
        assert entries[0].row.details["note"].startswith("a needle")
        assert entries[0].username == "abdullah"
        # LIKE wildcards in the search text are taken literally.
        _entries, total = await search(session, AuditFilter(q="100%"))
        assert total >= 1
        _entries, none = await search(session, AuditFilter(q="1_0%"))
        assert none == 0
        _entries, prefixed = await search(session, AuditFilter(action="job."))
        assert prefixed >= 1
        _entries, by_ip = await search(session, AuditFilter(q="203.0.113"))
        assert by_ip >= 2


async def test_job_filters_and_search(db: async_sessionmaker[AsyncSession]) -> None:
    tag = secrets.token_hex(3)
    async with db() as session:
        for index, status in enumerate(("completed", "failed", "queued")):
            upload = Upload(
                id=f"upl_{tag}{index}",
                original_filename=f"file_{tag}_{index}.png",
                mime_type="image/png",
                width=1,
                height=1,
                size_bytes=1,
                sha256="0" * 64,
                storage_key=f"originals/{tag}{index}.png",
            )
            session.add(upload)
            await session.flush()
            session.add(
                Job(
                    job_id=f"job_{tag}{index}",
                    upload_id=upload.id,
                    status=status,
                    model=f"model-{tag}",
                    error_message="out of memory" if status == "failed" else None,
                )
            )
        await session.commit()
        rows, total = await list_jobs(session, JobFilter(model=f"model-{tag}"))
        assert total == 3
        rows, total = await list_jobs(
            session, JobFilter(model=f"model-{tag}", status=JobStatus.FAILED)
        )
        assert [r.job.job_id for r in rows] == [f"job_{tag}1"]
        rows, total = await list_jobs(session, JobFilter(q=f"file_{tag}_2"))
        assert [r.filename for r in rows] == [f"file_{tag}_2.png"]
        rows, total = await list_jobs(session, JobFilter(q="OUT OF MEMORY", model=f"model-{tag}"))
        assert total == 1  # case-insensitive
        rows, total = await list_jobs(
            session, JobFilter(model=f"model-{tag}", since=utcnow() + timedelta(minutes=1))
        )
        assert total == 0


async def test_demoting_the_default_restores_the_previous_one(
    db: async_sessionmaker[AsyncSession],
) -> None:
    tag = secrets.token_hex(3)
    names = [f"{tag}-a", f"{tag}-b"]
    async with db() as session:
        for name in names:
            session.add(Model(name=name, artifact_path=f"{name}.onnx", presets=["photo"]))
        await session.commit()
        for name in names:
            await registry.set_default(session, name, ACTOR)
        model, restored = await registry.demote(session, names[1], ACTOR)
        assert model.status == "demoted"
        assert restored is not None and restored.name == names[0]
        history = await registry.history(session)
        assert (history[0].model_name, history[0].reason) == (names[0], "restored")
        defaults = [m.name for m in await registry.list_models(session) if m.is_default]
        assert defaults == [names[0]]
