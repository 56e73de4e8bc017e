"""Storing a finished job's files: both at once, and nothing left behind
when either store fails (whichever finishes first)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from upscaler.db.tables import Job
from upscaler.storage.base import StoredObject
from upscaler.storage.local import LocalStorage
from upscaler_worker.actors.upscale_job import ModelChoice, _store_and_complete
from upscaler_worker.context import WorkerContext
from upscaler_worker.inference import UpscaleResult


class FailingStorage(LocalStorage):
    """Local storage whose puts under ``failing`` fail, after ``delay`` s."""

    def __init__(self, root: Path, failing: str, delay: float) -> None:
        super().__init__(root)
        self.failing = failing
        self.delay = delay

    async def put_file(
        self, key: str, source: Path, content_type: str, *, move: bool = False
    ) -> StoredObject:
        if key.startswith(self.failing):
            await asyncio.sleep(self.delay)
            raise OSError(f"{self.failing} is full")
        await asyncio.sleep(0.05 - self.delay)  # the other store ends on the other side
        return await super().put_file(key, source, content_type, move=move)


@dataclass
class Ctx:
    """All of a WorkerContext that storing the files reads."""

    storage: LocalStorage

    def as_worker_context(self) -> WorkerContext:
        return cast(WorkerContext, self)


def stored_keys(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and ".tmp" not in path.parts]


@pytest.mark.parametrize("failing", ["results/", "previews/"])
@pytest.mark.parametrize("delay", [0.0, 0.05])
async def test_a_failed_store_leaves_no_file_behind(
    tmp_path: Path, failing: str, delay: float
) -> None:
    storage = FailingStorage(tmp_path / "store", failing, delay)
    work = tmp_path / "work"
    work.mkdir()
    (work / "result").write_bytes(b"png" * 1000)
    (work / "preview.jpg").write_bytes(b"jpg" * 100)
    result = cast(UpscaleResult, SimpleNamespace(extension="png", mime_type="image/png"))
    with pytest.raises(OSError, match="is full"):
        await _store_and_complete(
            Ctx(storage).as_worker_context(),
            cast(Job, SimpleNamespace(job_id="job_x")),
            result,
            work / "result",
            work / "preview.jpg",
            cast(ModelChoice, None),
            0.0,
            prepare_seconds=0.0,
        )
    await asyncio.sleep(0.1)  # a store left running would have written by now
    assert stored_keys(tmp_path / "store") == []
