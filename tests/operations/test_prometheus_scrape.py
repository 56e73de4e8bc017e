"""The real Prometheus (Debian's package) scrapes a running embedded service
with the token, as the compose profile does, and sees a job's counters and
histograms move."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import IMAGES, LiveServer, free_port, upload, wait_for_job
from tests.operations.support import TOKEN

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None, reason="Debian's prometheus package (make promtool)"
)


@pytest.fixture
def prometheus(tmp_path: Path, metrics_server: LiveServer) -> Iterator[str]:
    token = tmp_path / "token"
    token.write_text(TOKEN)
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: upscaler\n"
        f"    authorization: {{type: Bearer, credentials_file: {token}}}\n"
        f"    static_configs: [{{targets: ['{urlsplit(metrics_server.url).netloc}']}}]\n"
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "prometheus.log").read_text()[-2000:])
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def query(url: str, expression: str) -> float | None:
    body = httpx.get(f"{url}/api/v1/query", params={"query": expression}, timeout=5).json()
    assert body["status"] == "success", body
    results = body["data"]["result"]
    return float(results[0]["value"][1]) if results else None


def wait_for(url: str, expression: str, accept: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while True:
        value = query(url, expression)
        if value is not None and value >= accept:
            return value
        assert time.monotonic() < deadline, f"{expression} = {value}, wanted >= {accept}"
        time.sleep(0.5)


def test_prometheus_scrapes_the_service_and_sees_a_job(
    prometheus: str, metrics_server: LiveServer
) -> None:
    assert wait_for(prometheus, 'up{job="upscaler"}', 1) == 1
    completed = 'sum(upscaler_jobs{status="completed"}) or vector(0)'
    durations = "sum(upscaler_job_duration_seconds_count) or vector(0)"
    uploads = "sum(upscaler_upload_bytes_total) or vector(0)"
    before = {q: query(prometheus, q) or 0.0 for q in (completed, durations, uploads)}
    with metrics_server.client() as client:
        accepted = upload(client, IMAGES / "realesrgan" / "0014.jpg", factor="2x")
        assert accepted.status_code == 202
        assert wait_for_job(client, accepted.json()["job_id"])["status"] == "completed"
    wait_for(prometheus, completed, before[completed] + 1)
    wait_for(prometheus, durations, before[durations] + 1)
    wait_for(prometheus, uploads, before[uploads] + 1)
