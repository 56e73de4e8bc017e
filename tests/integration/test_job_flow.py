"""Upload → queue → real inference → signed download, in both modes."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import upscaler_client
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from PIL import Image
from sqlalchemy import select, text
from upscaler_client.api.downloads import download_file, get_job_result
from upscaler_client.api.health import get_health
from upscaler_client.api.jobs import get_job as get_job_operation
from upscaler_client.models import ErrorResponse, Health, JobStatus, ResultInfo
from upscaler_client.models import ErrorResponseErrorBodyFieldProblem as FieldProblem
from upscaler_client.types import File, Response

from tests.api_client import (
    accepted,
    create_upload,
    download,
    downloaded,
    error_of,
    post_upload_form,
    problems,
    signed_token,
    typed,
    wait_for_job,
)
from tests.helpers import IMAGES, SHARED, Service, imread
from upscaler.db.engine import make_engine
from upscaler.db.tables import Worker
from upscaler.db.types import utcnow
from upscaler_worker.inference.engine_paths import CPU_PATHS, EnginePath

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SAMPLE = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def fetch_image(
    api: upscaler_client.Client, url: str
) -> tuple[Response[ErrorResponse | File], Image.Image]:
    """A signed link (to this API's files endpoint) through the generated client."""
    response = download(api, url)
    return response, Image.open(io.BytesIO(downloaded(response)))


def is_utc(stamp: datetime | None) -> bool:
    return stamp is not None and stamp.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("factor", "scale"), [("4x", 4), ("2x", 2)])
def test_upscale_gives_exact_factor_png(service: Service, factor: str, scale: int) -> None:
    with service.client() as client:
        api = typed(client)
        response = create_upload(api, SAMPLE, factor=factor)
        body = accepted(response)
        assert body.status == JobStatus.QUEUED
        assert body.job_id.startswith("job_")
        assert is_utc(body.created_at)
        # The model parses any offset; on the wire a stamp is UTC written with a Z.
        assert ISO_UTC.match(json.loads(response.content)["created_at"])
        assert body.estimated_seconds >= 1
        assert response.headers["location"].endswith(f"/api/v1/jobs/{body.job_id}")

        job = wait_for_job(api, body.job_id)
        assert job.status == JobStatus.COMPLETED, job
        assert job.progress == 100
        assert job.model == "realesr-animevideov3"
        # The engine path the worker measured fastest for this model here: the
        # job names its provider and precision, and health lists that path.
        assert isinstance(job.precision, str), job
        path = EnginePath.of(str(job.provider), job.precision)
        assert path in CPU_PATHS, path
        health = get_health.sync_detailed(client=api).parsed
        assert isinstance(health, Health)
        assert path.key in health.engine_paths, (path, health.engine_paths)
        for stamp in (job.created_at, job.started_at, job.finished_at):
            assert is_utc(stamp), stamp
        wire = json.loads(get_job_operation.sync_detailed(body.job_id, client=api).content)
        for name in ("created_at", "started_at", "finished_at"):
            assert ISO_UTC.match(wire[name]), wire[name]
        assert job.duration_seconds is not None and job.duration_seconds > 0
        assert job.params["factor"] == factor
        # Where the job's time went, step by step, in the order they ran.
        engine = asyncio.run(job_engine(service.settings.database_url, body.job_id))
        steps = engine["steps"]
        assert list(steps) == ["prepare", "decode", "inference", "encode", "preview", "store"]
        assert all(seconds >= 0 for seconds in steps.values()), steps
        assert steps["inference"] == pytest.approx(engine["inference_seconds"], abs=0.01)
        assert sum(steps.values()) <= job.duration_seconds + 0.01, (steps, job.duration_seconds)

        assert isinstance(job.result_url, str), job
        result, image = fetch_image(api, job.result_url)
        assert job.result == ResultInfo(
            width=179 * scale,
            height=179 * scale,
            size_bytes=len(result.content),
            mime_type="image/png",
        )
        assert result.headers["content-type"] == "image/png"
        assert f"0014-upscaled-{factor}.png" in result.headers["content-disposition"]
        assert result.headers["content-disposition"].startswith("attachment")
        assert image.format == "PNG"
        assert image.size == (179 * scale, 179 * scale)
        assert int(result.headers["content-length"]) == job.result.size_bytes

        original, original_image = fetch_image(api, job.original_url)
        assert original.content == SAMPLE.read_bytes()
        assert original_image.size == (179, 179)

        assert isinstance(job.thumbnail_url, str), job
        _, preview = fetch_image(api, job.thumbnail_url)
        assert max(preview.size) <= 512


@pytest.mark.export
def test_result_matches_plain_pytorch(service: Service) -> None:
    """The service's result against the official model run by PyTorch, untiled."""
    import torch

    from upscaler_worker.export.archs import build_network
    from upscaler_worker.export.manifest import load_manifest
    from upscaler_worker.export.weights import read_state_dict

    spec = load_manifest().get("realesr-animevideov3")
    network = build_network(spec.arch, spec.arch_params)
    network.load_state_dict(read_state_dict(SHARED / "models" / spec.filename), strict=True)
    network.eval()
    bgr = imread(SAMPLE, cv2.IMREAD_COLOR)
    rgb = torch.from_numpy(bgr[:, :, ::-1].astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    with torch.no_grad():
        out = network(rgb).clamp_(0, 1)[0].permute(1, 2, 0).numpy()
    reference = (out * 255.0).round().astype(np.uint8)  # RGB

    with service.client() as client:
        api = typed(client)
        job = wait_for_job(api, accepted(create_upload(api, SAMPLE, factor="4x")).job_id)
        assert isinstance(job.result_url, str), job
        _, image = fetch_image(api, job.result_url)
    served = np.asarray(image.convert("RGB"))
    value = psnr(served, reference)
    print(f"PSNR service vs PyTorch ({service.mode}): {value:.2f} dB")
    assert value >= 50.0


def test_bad_uploads_get_clear_errors(service: Service, tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("definitely not an image\n" * 100)
    truncated = tmp_path / "cut.jpg"
    data = (IMAGES / "faces" / "Blake_Lively.jpg").read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with service.client() as client:
        api = typed(client)
        unsupported = create_upload(api, text)
        corrupt = create_upload(api, truncated)
        # The typed body cannot name a factor outside the enum, leave out the
        # file or leave out the factor: these forms are sent as they are.
        unknown_factor = post_upload_form(
            api, data={"factor": "3x"}, files={"file": (SAMPLE.name, SAMPLE.read_bytes())}
        )
        no_file = post_upload_form(api, data={"factor": "4x"}, files={"x": ("a", b"1")})
        missing_factor = post_upload_form(
            api, data={}, files={"file": ("a.jpg", SAMPLE.read_bytes())}
        )
        not_found = get_job_operation.sync_detailed("job_doesnotexist", client=api)
    error_of(unsupported, 415)
    assert "truncated or corrupt" in error_of(corrupt, 422).message
    assert FieldProblem(field="factor", message="Input should be '2x' or '4x'") in problems(
        error_of(unknown_factor, 400)
    )
    fields = {problem.field for problem in problems(error_of(no_file, 400))}
    assert "x" in fields  # an unknown field is named
    assert problems(error_of(missing_factor, 400)) == [
        FieldProblem(field="factor", message="is required")
    ]
    assert error_of(not_found, 404).code == "not_found"


def test_oversized_upload_is_413(service: Service) -> None:
    big = b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024)
    with service.client() as client:
        response = create_upload(typed(client), big, filename="big.jpg", factor="4x")
    assert error_of(response, 413).code == "file_too_large"


def test_signed_links_refuse_tampering_and_expiry(service: Service) -> None:
    with service.client() as client:
        api = typed(client)
        job = wait_for_job(api, accepted(create_upload(api, SAMPLE, factor="2x")).job_id)
        assert isinstance(job.result_url, str), job
        url = job.result_url
        token = signed_token(api, url)
        # A compressed payload starts with "." (itsdangerous), so split from the right.
        payload, timestamp, _signature = token.rsplit(".", 2)
        # Point the link at another object but keep the old signature.
        forged = (
            base64.urlsafe_b64encode(
                json.dumps(["originals/anything.png", "x.png", "image/png", 0]).encode()
            )
            .decode()
            .rstrip("=")
        )
        # (Not the signature's last character: its low bits are base64 padding.)
        flipped = ("B" if _signature[0] == "A" else "A") + _signature[1:]
        tampered = [
            f"{payload}.{timestamp}.{flipped}",
            f"{payload}.{timestamp}.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
            f"{forged}.{timestamp}.{_signature}",
        ]
        for bad in tampered:
            response = download_file.sync_detailed(bad, client=api)
            assert error_of(response, 403).code == "forbidden", bad

        class LongAgo(TimestampSigner):
            def get_timestamp(self) -> int:
                return super().get_timestamp() - 2 * service.settings.signed_url_ttl_seconds

        serializer = URLSafeTimedSerializer(service.settings.secret(), salt="upscaler.download.v1")
        valid, original = serializer.loads_unsafe(token)
        assert valid
        expired = URLSafeTimedSerializer(
            service.settings.secret(), salt="upscaler.download.v1", signer=LongAgo
        ).dumps(original)
        response = download_file.sync_detailed(expired, client=api)
        assert "expired" in error_of(response, 403).message
        # The untouched link still works, and so does the redirect that mints one.
        downloaded(download(api, url))
        redirect = get_job_result.sync_detailed(job.job_id, client=api)
        assert redirect.status_code == HTTPStatus.TEMPORARY_REDIRECT
        downloaded(download(api, redirect.headers["location"]))


def test_health_reports_models_and_workers(service: Service) -> None:
    # The jobs of the earlier tests have ended; in the distributed mode the
    # database is the session's, so rows other modules left count too: the
    # figures must be the database's at that moment, read on either side.
    before = asyncio.run(jobs_by_status(service.settings.database_url))
    with service.client() as client:
        response = get_health.sync_detailed(client=typed(client))
    after = asyncio.run(jobs_by_status(service.settings.database_url))
    assert before == after, (before, after)
    health = response.parsed
    assert isinstance(health, Health), response.content
    assert (response.status_code, health.status) == (HTTPStatus.OK, "ok"), health
    assert health.mode == service.mode
    assert health.workers_online >= 1
    assert [m.name for m in health.models] == ["realesr-animevideov3"]
    # Each online worker chose a path per model (provider + precision), all on
    # the CPU here; providers and precisions are those of the chosen paths.
    chosen = [EnginePath.parse(key) for key in health.engine_paths]
    assert chosen and all(path in CPU_PATHS for path in chosen), health.engine_paths
    assert set(health.providers) == {path.provider for path in chosen}, health
    assert set(health.precisions) == {path.precision for path in chosen}, health
    assert health.queue_length == after.get("queued", 0), (health, after)
    assert health.running == after.get("running", 0), (health, after)
    assert after.get("completed", 0) >= 3  # this module's: two factors and the signed links
    # Each worker's heartbeat carries its load, for the admin's workers page.
    rows = asyncio.run(worker_rows(service.settings.database_url))
    assert rows
    for load_per_core, rss_bytes in rows:
        assert load_per_core is not None
        assert load_per_core >= 0
        assert rss_bytes is not None
        assert rss_bytes > 50 * 1024 * 1024  # a process with a model loaded


async def job_engine(database_url: str, job_id: str) -> dict[str, Any]:
    """The job's engine details as the worker recorded them (admin-only in the API)."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT engine FROM jobs WHERE job_id = :job_id"), {"job_id": job_id}
            )
            value = result.scalar_one()
            return dict(json.loads(value) if isinstance(value, str) else value)
    finally:
        await engine.dispose()


async def jobs_by_status(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT status, count(*) FROM jobs GROUP BY status")
            )
            return {str(row[0]): int(row[1]) for row in result}
    finally:
        await engine.dispose()


async def worker_rows(database_url: str) -> list[tuple[float | None, int | None]]:
    """Load and memory of the workers alive now (a heartbeat every 5 s): rows
    that other tests wrote into the same database are not this service's."""
    engine = make_engine(database_url)
    fresh = utcnow() - timedelta(seconds=30)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(Worker.load_per_core, Worker.rss_bytes).where(Worker.last_seen_at > fresh)  # type: ignore[call-overload]
            )
            return [(row[0], row[1]) for row in result]
    finally:
        await engine.dispose()


def test_openapi_and_docs(service: Service) -> None:
    with service.client() as client:
        spec = client.get("/openapi.json").json()
        docs = client.get("/docs")
    paths = spec["paths"]
    for path in (
        "/api/v1/uploads",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/events",
        "/api/v1/files/{token}",
        "/api/v1/health",
    ):
        assert path in paths, path
    upload_body = paths["/api/v1/uploads"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
    assert {"400", "413", "415", "422"} <= set(paths["/api/v1/uploads"]["post"]["responses"])
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
