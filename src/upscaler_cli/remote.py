"""`upscaler up` against a server, through the generated client.

Per file: upload (a byte bar), follow the job over server-sent events (the
job's own progress; reconnects, and falls back to asking for the job when the
stream fails), download the result through `GET /jobs/{id}/result` (a fresh
signed link) to a hidden partial file renamed when whole.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from PIL import Image as PILImage
from upscaler_client import Client
from upscaler_client.api.jobs import get_job
from upscaler_client.api.uploads import create_upload
from upscaler_client.models import (
    CreateUploadBody,
    CreateUploadBodyFit,
    CreateUploadBodyPrintSize,
    Denoise,
    ErrorResponse,
    Factor,
    JobOut,
    JobStatus,
    OutputFormat,
    Preset,
    UploadAccepted,
)
from upscaler_client.types import File

from upscaler_cli.bars import FileBar
from upscaler_cli.events import parse_events
from upscaler_cli.files import Item
from upscaler_cli.ledger import Ledger, fingerprint
from upscaler_cli.outcome import Outcome, Result, outcome_for

TERMINAL = {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED}
MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
#: Between tries to reach a job whose event stream failed.
RETRY_SECONDS = 1.0


class RunInterruptedError(Exception):
    """The run is stopping (Ctrl-C): leave this file for the next run."""


class ServerError(Exception):
    """The server answered something the CLI cannot go on from."""


@dataclass(frozen=True)
class JobRequest:
    #: None when a size is asked for instead (the server picks the model pass).
    factor: str | None
    preset: str
    denoise: str
    output_format: str
    quality: int
    width: int | None = None
    height: int | None = None
    fit: str = "contain"
    print_size: str | None = None
    dpi: int | None = None

    @property
    def sized(self) -> bool:
        return self.width is not None or self.height is not None or self.print_size is not None

    def body(self, file: File) -> CreateUploadBody:
        body = CreateUploadBody(
            file=file,
            preset=Preset(self.preset),
            denoise=Denoise(self.denoise),
            output_format=OutputFormat(self.output_format),
            quality=self.quality,
        )
        if self.factor is not None:
            body.factor = Factor(self.factor)
        if self.width is not None:
            body.target_width = self.width
        if self.height is not None:
            body.target_height = self.height
        if self.sized:
            body.fit = CreateUploadBodyFit(self.fit)
        if self.print_size is not None:
            body.print_size = CreateUploadBodyPrintSize(self.print_size)
        if self.dpi is not None:
            body.dpi = self.dpi
        return body


class _CountingReader:
    """A file handle that reports how far it has been read (the upload bar)
    and stops the upload when the run is interrupted."""

    def __init__(self, handle: IO[bytes], on_read: Callable[[int], None], stop: threading.Event):
        self.handle, self.on_read, self.stop = handle, on_read, stop

    def read(self, size: int = -1) -> bytes:
        if self.stop.is_set():
            raise RunInterruptedError
        data = self.handle.read(size)
        self.on_read(self.handle.tell())
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.handle.seek(offset, whence)

    def tell(self) -> int:
        return self.handle.tell()

    def fileno(self) -> int:
        return self.handle.fileno()


class RemoteRun:
    def __init__(
        self, api: Client, server: str, request: JobRequest, ledger: Ledger, stop: threading.Event
    ) -> None:
        self.api = api
        self.server = server
        self.request = request
        self.ledger = ledger
        self.stop = stop
        self.on_job: Callable[[str, Item], None] = lambda _job_id, _item: None

    def run(self, item: Item, bar: FileBar) -> Outcome:
        started = time.monotonic()
        asked = fingerprint(item.image.source, server=self.server, **vars(self.request))
        job_id = self.ledger.job_for(item.key, asked)
        job = self._job(job_id) if job_id else None
        if job is None or job.status in (JobStatus.FAILED, JobStatus.CANCELED):
            accepted = self._upload(item, bar)
            if isinstance(accepted, ErrorResponse):
                return outcome_for(item, Result.FAILED, error=_describe(accepted))
            job_id = accepted.job_id
            self.ledger.record(item.key, asked, job_id)
            self.on_job(job_id, item)
        assert job_id is not None
        job = self._follow(job_id, bar)
        if job.status != JobStatus.COMPLETED:
            self.ledger.forget(item.key)
            kind = Result.CANCELED if job.status == JobStatus.CANCELED else Result.FAILED
            return outcome_for(item, kind, job_id=job_id, error=job.error or str(job.status))
        self._download(job_id, item, bar)
        self.ledger.forget(item.key)
        result = job.result if job.result else None
        return outcome_for(
            item,
            Result.DONE,
            job_id=job_id,
            model=job.model,
            width=getattr(result, "width", None),
            height=getattr(result, "height", None),
            seconds=time.monotonic() - started,
        )

    # -- the three stages ----------------------------------------------------------------

    def _upload(self, item: Item, bar: FileBar) -> UploadAccepted | ErrorResponse:
        source = item.image.source
        with _open_for_upload(source) as (handle, name, mime):
            bar.stage("uploading", handle.seek(0, io.SEEK_END) or 1)
            handle.seek(0)
            reader = _CountingReader(handle, bar.advance_to, self.stop)
            file = File(payload=reader, file_name=name, mime_type=mime)  # type: ignore[arg-type]
            response = create_upload.sync_detailed(client=self.api, body=self.request.body(file))
        if response.parsed is None:
            raise ServerError(f"the upload got an unexpected {response.status_code}")
        return response.parsed

    def _follow(self, job_id: str, bar: FileBar) -> JobOut:
        bar.stage("queued", 100)
        http = self.api.get_httpx_client()
        while True:
            self._check_stop()
            try:
                with http.stream(
                    "GET", f"/api/v1/jobs/{job_id}/events", timeout=httpx.Timeout(30.0)
                ) as stream:
                    if stream.status_code == 200:
                        for event in parse_events(stream.iter_lines()):
                            self._check_stop()
                            if self._show(event.data, bar):
                                break
            except httpx.HTTPError:
                time.sleep(RETRY_SECONDS)  # the stream failed: ask for the job below
            job = self._job(job_id)
            if job is None:
                raise ServerError(f"job {job_id} no longer exists")
            self._show({"status": job.status.value, "progress": job.progress}, bar)
            if job.status in TERMINAL:
                return job

    def _show(self, data: dict[str, Any], bar: FileBar) -> bool:
        """Move the bar; True once the job has ended."""
        status = data.get("status", "running")
        stage = data.get("stage") or status
        bar.advance_to(int(data.get("progress", 0)), str(stage))
        return status in TERMINAL  # JobStatus is a StrEnum: its members equal their strings

    def _download(self, job_id: str, item: Item, bar: FileBar) -> None:
        http = self.api.get_httpx_client()
        item.target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with http.stream(
                "GET", f"/api/v1/jobs/{job_id}/result", follow_redirects=True
            ) as response:
                if response.status_code != 200:
                    raise ServerError(f"the result answered {response.status_code}")
                bar.stage("downloading", int(response.headers.get("content-length", 0)) or 1)
                with item.partial.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 16):
                        self._check_stop()
                        out.write(chunk)
                        bar.advance_to(response.num_bytes_downloaded)
            item.partial.replace(item.target)
        finally:
            item.partial.unlink(missing_ok=True)
        bar.finish("done")

    # -- helpers -------------------------------------------------------------------------

    def _job(self, job_id: str) -> JobOut | None:
        response = get_job.sync_detailed(job_id, client=self.api)
        if isinstance(response.parsed, JobOut):
            return response.parsed
        if response.status_code == 404:
            return None
        raise ServerError(f"job {job_id}: the server answered {response.status_code}")

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise RunInterruptedError


@contextmanager
def _open_for_upload(source: Path) -> Iterator[tuple[IO[bytes], str, str]]:
    """The file as sent: as it is, or a BMP (which the service refuses) as a
    lossless PNG made in memory."""
    suffix = source.suffix.lower()
    if suffix == ".bmp":
        buffer = io.BytesIO()
        with PILImage.open(source) as image:
            image.save(buffer, format="PNG")
        yield buffer, f"{source.stem}.png", "image/png"
        return
    with source.open("rb") as handle:
        yield handle, source.name, MIME_TYPES.get(suffix, "application/octet-stream")


def _describe(error: ErrorResponse) -> str:
    return f"{error.error.status} {error.error.code}: {error.error.message}"
