"""Live progress over server-sent events, and cancellation, in both modes."""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import upscaler_client
from upscaler_client.api.jobs import cancel_job, stream_job_events
from upscaler_client.models import JobOut, JobStatus
from upscaler_client.types import File

from tests.api_client import (
    accepted,
    create_upload,
    download,
    error_of,
    get_job,
    typed,
    wait_for_job,
)
from tests.helpers import IMAGES, Service


def read_events(
    api: upscaler_client.Client, job_id: str, timeout: float = 120
) -> list[tuple[str, Any]]:
    """The job's events as they arrive; a `state` event's data is the whole
    job, parsed as the document's JobOut. (The generated `stream_job_events`
    reads the whole body before it returns and cannot take a timeout of its
    own, so the stream is read with the client's httpx client.)"""
    events: list[tuple[str, Any]] = []
    url = f"/api/v1/jobs/{job_id}/events"
    with api.get_httpx_client().stream("GET", url, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: ") and name:
                data = json.loads(line[len("data: ") :])
                events.append((name, JobOut.from_dict(data) if name == "state" else data))
                name = None
    return events


def test_sse_shows_queued_running_progress_completed(
    service: Service, long_job_image: Path
) -> None:
    with service.client() as client:
        api = typed(client)
        job_id = accepted(create_upload(api, long_job_image, factor="4x")).job_id
        events = read_events(api, job_id)
    states = [data.status for kind, data in events if kind == "state"]
    progress = [data["progress"] for kind, data in events if kind == "progress"]
    assert states[0] in (JobStatus.QUEUED, JobStatus.RUNNING)  # the database's view
    assert states[-1] == JobStatus.COMPLETED
    assert JobStatus.RUNNING in states or progress, events
    assert len(progress) >= 3, f"too few progress events: {progress}"
    assert progress == sorted(progress), "progress went backwards"
    assert 0 < progress[0] < progress[-1] < 100
    kind, last = events[-1]
    assert kind == "state"
    assert isinstance(last, JobOut)
    assert last.status == JobStatus.COMPLETED
    assert isinstance(last.result_url, str), last
    assert last.result_url.startswith("http")
    assert client_can_download(service, last.result_url)


def client_can_download(service: Service, url: str) -> bool:
    with service.client() as client:
        response = download(typed(client), url)
    return response.status_code == HTTPStatus.OK and isinstance(response.parsed, File)


def test_late_subscriber_sees_the_finished_job(service: Service) -> None:
    with service.client() as client:
        api = typed(client)
        upload = create_upload(api, IMAGES / "realesrgan" / "0014.jpg", factor="2x")
        job_id = accepted(upload).job_id
        wait_for_job(api, job_id)
        events = read_events(api, job_id, timeout=10)
    assert len(events) == 1
    kind, data = events[0]
    assert kind == "state"
    assert isinstance(data, JobOut)
    assert data.status == JobStatus.COMPLETED
    assert data.result_url


def test_cancel_a_running_job(service: Service, long_job_image: Path) -> None:
    with service.client() as client:
        api = typed(client)
        job_id = accepted(create_upload(api, long_job_image, factor="4x")).job_id
        deadline = time.monotonic() + 60
        while get_job(api, job_id).progress < 10:
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.1)
        canceled = cancel_job.sync_detailed(job_id, client=api)
        assert canceled.status_code == HTTPStatus.OK, canceled.content
        assert isinstance(canceled.parsed, JobOut), canceled.content
        assert canceled.parsed.status == JobStatus.CANCELED
        again = cancel_job.sync_detailed(job_id, client=api)
        assert error_of(again, 409).code == "conflict"
        time.sleep(3)  # long enough for the worker to reach its next tile
        job = get_job(api, job_id)
        assert job.status == JobStatus.CANCELED
        assert job.result_url is None
        # The worker is free again: the next job runs.
        follow_up = create_upload(api, IMAGES / "realesrgan" / "0014.jpg", factor="2x")
        assert wait_for_job(api, accepted(follow_up).job_id).status == JobStatus.COMPLETED


def test_unknown_job_events_are_404(service: Service) -> None:
    with service.client() as client:
        response = stream_job_events.sync_detailed("job_nope", client=typed(client))
    assert error_of(response, 404).code == "not_found"
