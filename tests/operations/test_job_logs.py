"""One job's story is one filter: in the distributed mode (JSON logs), the
API's lines about a job and the worker process's lines about it carry the
same job id, and the request id of the upload that created it (carried
through the queue message)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import IMAGES, MotoS3, distributed_service, distributed_settings, wait_for_job
from upscaler.logs import ContextFilter, JsonFormatter

REQUEST_ID = "req-1f3a-story"


@pytest.fixture
def api_log() -> Iterator[io.StringIO]:
    """The API's lines (it runs in this process) as the API writes them in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.s3
def test_api_and_worker_lines_share_the_job_and_request_ids(
    tmp_path: Path,
    model_dir: Path,
    postgres_url: str,
    redis_url: str,
    s3_server: MotoS3,
    api_log: io.StringIO,
) -> None:
    settings = distributed_settings(
        tmp_path, model_dir, postgres_url, redis_url, s3_server, log_format="json"
    )
    with distributed_service(settings) as service, service.client() as client:
        with (IMAGES / "realesrgan" / "0014.jpg").open("rb") as image:
            response = client.post(
                "/api/v1/uploads",
                files={"file": ("a.jpg", image)},
                data={"factor": "2x"},
                headers={"X-Request-ID": REQUEST_ID},
            )
        assert response.status_code == 202, response.text
        assert response.headers["X-Request-ID"] == REQUEST_ID
        job_id = response.json()["job_id"]
        assert wait_for_job(client, job_id)["status"] == "completed"
        # Any request gets an id of its own when it brings none.
        assert len(client.get("/api/v1/health").headers["X-Request-ID"]) >= 16
    worker_log = (tmp_path / "workers.log").read_text()

    api_lines = [line for line in json_lines(api_log.getvalue()) if line.get("job_id") == job_id]
    worker_lines = [line for line in json_lines(worker_log) if line.get("job_id") == job_id]
    assert any("accepted" in line["message"] for line in api_lines), api_lines
    assert any("claimed" in line["message"] for line in worker_lines), worker_log[-3000:]
    assert any("completed" in line["message"] for line in worker_lines), worker_log[-3000:]
    for line in api_lines + worker_lines:
        assert line["request_id"] == REQUEST_ID, line
        assert {"ts", "level", "logger", "message"} <= set(line)
