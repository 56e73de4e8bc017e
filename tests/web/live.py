"""Change the run-time settings of a test server the way an admin does: rows
in the settings table, through the project's own LiveSettings."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.helpers import LiveServer
from upscaler.context import AppContext
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.live_settings import TTL_SECONDS, LiveSettings


def app_context(server: LiveServer) -> AppContext:
    context: AppContext = server.app.state.context
    return context


async def _update(context: AppContext, changes: dict[str, Any]) -> dict[str, Any]:
    engine = make_engine(context.settings.database_url)
    try:
        sessions = make_sessionmaker(engine)
        live = LiveSettings(context.settings, sessions)
        before = (await live.get()).model_dump()
        async with sessions() as session:
            await live.update(session, changes, user_id=None)
        return {key: before[key] for key in changes}
    finally:
        await engine.dispose()


def set_live_settings(
    server: LiveServer, *, workers: bool = False, **changes: Any
) -> dict[str, Any]:
    """Apply `changes`; returns the values they replaced. The API's cache is
    dropped at once; with `workers`, wait until the worker's cache has expired."""
    context = app_context(server)
    # In a thread of its own: Playwright's sync API keeps an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        previous = pool.submit(asyncio.run, _update(context, changes)).result()
    context.live.invalidate()
    if workers:
        time.sleep(TTL_SECONDS + 0.3)
    return previous


@contextlib.contextmanager
def live_settings(server: LiveServer, *, workers: bool = False, **changes: Any) -> Iterator[None]:
    previous = set_live_settings(server, workers=workers, **changes)
    try:
        yield
    finally:
        set_live_settings(server, workers=workers, **previous)
