"""Live progress over server-sent events, and cancellation, in both modes."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.helpers import IMAGES, Service, upload, wait_for_job

# 448 x 640: with the suite's 64-pixel tiles that is ~70 tiles, long enough to
# watch progress rise and to cancel in the middle.
LARGER = IMAGES / "realesrgan" / "OST_009.png"


def read_events(client: httpx.Client, job_id: str, timeout: float = 120) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    with client.stream("GET", f"/api/v1/jobs/{job_id}/events", timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: ") and name:
                events.append((name, json.loads(line[len("data: ") :])))
                name = None
    return events


def test_sse_shows_queued_running_progress_completed(service: Service) -> None:
    with service.client() as client:
        job_id = upload(client, LARGER, factor="4x").json()["job_id"]
        events = read_events(client, job_id)
    states = [data["status"] for kind, data in events if kind == "state"]
    progress = [data["progress"] for kind, data in events if kind == "progress"]
    assert states[0] in ("queued", "running")  # the first event is the database's view
    assert states[-1] == "completed"
    assert "running" in states or progress, events
    assert len(progress) >= 3, f"too few progress events: {progress}"
    assert progress == sorted(progress), "progress went backwards"
    assert 0 < progress[0] < progress[-1] < 100
    kind, last = events[-1]
    assert kind == "state"
    assert last["status"] == "completed"
    assert last["result_url"].startswith("http")
    assert client_can_download(service, last["result_url"])


def client_can_download(service: Service, url: str) -> bool:
    with service.client() as client:
        return client.get(url).status_code == 200


def test_late_subscriber_sees_the_finished_job(service: Service) -> None:
    with service.client() as client:
        job_id = upload(client, IMAGES / "realesrgan" / "0014.jpg", factor="2x").json()["job_id"]
        wait_for_job(client, job_id)
        events = read_events(client, job_id, timeout=10)
    assert len(events) == 1
    kind, data = events[0]
    assert (kind, data["status"]) == ("state", "completed")
    assert data["result_url"]


def test_cancel_a_running_job(service: Service) -> None:
    with service.client() as client:
        job_id = upload(client, LARGER, factor="4x").json()["job_id"]
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/jobs/{job_id}").json()["progress"] < 10:
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.1)
        canceled = client.post(f"/api/v1/jobs/{job_id}/cancel")
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
        again = client.post(f"/api/v1/jobs/{job_id}/cancel")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "conflict"
        time.sleep(3)  # long enough for the worker to reach its next tile
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        assert job["status"] == "canceled"
        assert job["result_url"] is None
        # The worker is free again: the next job runs.
        follow_up = upload(client, IMAGES / "realesrgan" / "0014.jpg", factor="2x").json()
        assert wait_for_job(client, follow_up["job_id"])["status"] == "completed"


def test_unknown_job_events_are_404(service: Service) -> None:
    with service.client() as client:
        response = client.get("/api/v1/jobs/job_nope/events")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
