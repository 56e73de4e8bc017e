"""Rows the database tests start from."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.db.tables import Job, Upload
from upscaler.jobs import state_machine

Sessions = async_sessionmaker[AsyncSession]


async def make_job(sessions: Sessions) -> str:
    upload = Upload(
        id="upl_" + state_machine.new_job_id()[4:],
        original_filename="a.png",
        mime_type="image/png",
        width=10,
        height=10,
        size_bytes=100,
        sha256="0" * 64,
        storage_key="originals/x.png",
    )
    job = Job(job_id=state_machine.new_job_id(), upload_id=upload.id, params={"factor": "4x"})
    async with sessions() as session:
        session.add(upload)
        await session.flush()
        session.add(job)
        await session.commit()
    return job.job_id
