"""Everything a request handler (or an in-process service) needs, made once per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.config import Settings
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.events.bus import EventBus
from upscaler.live_settings import LiveSettings
from upscaler.queueing.producer import JobProducer
from upscaler.ratelimit import RateLimiter
from upscaler.security.signing import DownloadSigner
from upscaler.storage.base import Storage
from upscaler.storage.factory import make_storage


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    producer: JobProducer
    bus: EventBus
    signer: DownloadSigner
    limiter: RateLimiter
    live: LiveSettings
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, broker: dramatiq.Broker, bus: EventBus) -> AppContext:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            storage=make_storage(settings),
            producer=JobProducer(broker),
            bus=bus,
            signer=DownloadSigner(settings.secret(), settings.signed_url_ttl_seconds),
            limiter=RateLimiter(settings.redis_url),
            live=LiveSettings(settings, sessions),
        )

    async def close(self) -> None:
        await self.storage.close()
        await self.limiter.close()
        await self.engine.dispose()
