"""Container healthcheck for a worker: healthy while a worker process on this
host has sent a heartbeat recently (`python -m upscaler_worker.entrypoints.healthcheck`)."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import timedelta

from sqlmodel import col, select

from upscaler.config import get_settings
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Worker
from upscaler.db.types import utcnow

FRESH = timedelta(seconds=30)


async def alive_here() -> bool:
    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            statement = select(Worker).where(
                Worker.hostname == socket.gethostname(),
                col(Worker.last_seen_at) >= utcnow() - FRESH,
            )
            return (await session.exec(statement)).first() is not None
    finally:
        await engine.dispose()


def main() -> None:
    sys.exit(0 if asyncio.run(alive_here()) else 1)


if __name__ == "__main__":
    main()
