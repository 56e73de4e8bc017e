"""/metrics on a live embedded service: off without a token, 401 without the
bearer, and after a real job its counters and histograms have moved."""

from __future__ import annotations

from tests.helpers import IMAGES, LiveServer, wait_for_job
from tests.helpers import upload as post_upload
from tests.operations.support import scrape, total, value

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"


def test_metrics_are_off_without_a_token(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get("/metrics")
        assert response.status_code == 404
        assert "UPSCALER_METRICS_TOKEN" in response.json()["error"]["message"]


def test_metrics_need_the_bearer_token(metrics_server: LiveServer) -> None:
    with metrics_server.client() as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_a_job_moves_the_counters_and_histograms(metrics_server: LiveServer) -> None:
    with metrics_server.client() as client:
        before = scrape(client)
        accepted = post_upload(client, SAMPLE, factor="2x")
        assert accepted.status_code == 202
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed"
        assert client.post("/api/v1/uploads", data={"factor": "2x"}).status_code == 400
        after = scrape(client)

    model = job["model"]
    assert total(after, "upscaler_jobs", status="completed", model=model) == (
        total(before, "upscaler_jobs", status="completed", model=model) + 1
    )
    assert total(after, "upscaler_job_duration_seconds_count", model=model) == (
        total(before, "upscaler_job_duration_seconds_count", model=model) + 1
    )
    assert total(after, "upscaler_job_duration_seconds_sum", model=model) > total(
        before, "upscaler_job_duration_seconds_sum", model=model
    )
    assert total(after, "upscaler_job_queue_wait_seconds_count", queue="cpu") == (
        total(before, "upscaler_job_queue_wait_seconds_count", queue="cpu") + 1
    )
    assert value(after, "upscaler_workers_online") >= 1
    assert total(after, "upscaler_queue_length") == 0
    assert total(after, "upscaler_throughput_megapixels_per_second", model=model) > 0
    uploads = {"route": "/api/v1/uploads", "method": "POST"}
    assert total(after, "upscaler_http_requests_total", status="202", **uploads) == (
        total(before, "upscaler_http_requests_total", status="202", **uploads) + 1
    )
    assert total(after, "upscaler_http_requests_total", status="400", **uploads) == (
        total(before, "upscaler_http_requests_total", status="400", **uploads) + 1
    )
    # One series per route template, never per job id.
    assert total(after, "upscaler_http_requests_total", route="/api/v1/jobs/{job_id}") > 0
    assert not any(job["job_id"] in str(labels) for _, labels in after)
    assert total(after, "upscaler_upload_bytes_total") == (
        total(before, "upscaler_upload_bytes_total") + SAMPLE.stat().st_size
    )
    assert 0 < value(after, "upscaler_free_disk_percent") <= 100
