"""The photo models end to end: preset photo runs RealESRGAN_x4plus (from its
official ncnn files) and its result is what the ncnn runtime itself gives; when
x4plus would not finish in time the preset falls back to realesrgan-x4fast and
the job says why."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.admin.support import ADMIN_PASSWORD, admin_token, browser_login
from tests.helpers import (
    IMAGES,
    SHARED,
    embedded_server,
    imdecode,
    imread,
    make_settings,
    upload,
    wait_for_job,
)
from upscaler.config import DEFAULT_SEED_USER
from upscaler_worker.export.macs import architecture_macs

pytestmark = [pytest.mark.export, pytest.mark.slow]

X4PLUS, FAST = "RealESRGAN_x4plus", "realesrgan-x4fast"
RRDB_X4 = {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 64, "num_block": 23, "num_grow_ch": 32}
PHOTO = IMAGES / "faces" / "10045.png"
NCNN = SHARED / "models" / "ncnn"


#: The reference path: ncnn parity is an fp32 comparison, and timing every
#: engine path of the four installed models at start would outlast the
#: test server's start-up limit (the paths are tested in tests/worker).
FP32: dict[str, object] = {"engine_path": "cpu-fp32"}


@pytest.fixture(scope="module")
def photo_models(every_model_dir: Path) -> Path:
    """x4plus, x4fast (and the others) installed through `make models`' own code."""
    return every_model_dir


@pytest.fixture
def face_crop(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """A 48x40 crop of a real face photo, as an sRGB PNG (its pixels exactly known)."""
    image = imread(PHOTO, cv2.IMREAD_COLOR)
    assert image is not None
    top, left = image.shape[0] // 3, image.shape[1] // 3
    crop = np.ascontiguousarray(image[top : top + 40, left : left + 48])
    path = tmp_path / "face.png"
    assert cv2.imwrite(str(path), crop)
    return path, crop


@contextlib.contextmanager
def service(data_dir: Path, model_dir: Path, **settings: object) -> Iterator[str]:
    with embedded_server(make_settings(data_dir, model_dir, **(FP32 | settings))) as live:
        yield live.url


def test_preset_photo_runs_x4plus_and_matches_the_ncnn_runtime(
    photo_models: Path, face_crop: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    import httpx

    from upscaler.catalog.ncnn_format import load_ncnn
    from upscaler_worker.export.ncnn_parity import psnr, run_ncnn

    path, crop_bgr = face_crop
    with service(tmp_path, photo_models) as url, httpx.Client(base_url=url, timeout=30) as client:
        health = client.get("/api/v1/health").json()
        assert {model["name"] for model in health["models"]} >= {X4PLUS, FAST}
        accepted = upload(client, path, preset="photo", factor="4x")
        assert accepted.status_code == 202, accepted.text
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        assert job["model"] == X4PLUS and job.get("model_reason") is None
        result = client.get(job["result_url"])
        assert result.status_code == 200
        # The admin's models page says where each model came from and how it was proven.
        admin_token(client)
        browser_login(client, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        page = client.get("/admin/models").text
        row = page[page.index(f'data-model="{X4PLUS}"') :]
        row = row[: row.index("</tr>")]
        assert "(ncnn)" in row and "fp16-rounded weights" in row, row
        per_pixel = architecture_macs("RRDBNet", RRDB_X4, 64, 64) / 64**2 / 1e6
        assert "dB against the ncnn runtime" in row and f"{per_pixel:.2f} M MAC/px" in row, row
    ours = imdecode(result.content)
    assert ours.shape == (160, 192, 3)

    # The official x4plus files, run by ncnn itself on the same pixels.
    param, weights = NCNN / "realesrgan-x4plus.param", NCNN / "realesrgan-x4plus.bin"
    graph = load_ncnn(param, weights).graph
    rgb = crop_bgr[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0
    reference = run_ncnn(
        param, weights, np.ascontiguousarray(rgb), graph.input_blob, graph.output_blob
    )
    reference_bgr = np.clip(reference, 0, 1).transpose(1, 2, 0)[:, :, ::-1]
    measured = psnr(ours.astype(np.float32) / 255.0, reference_bgr)
    print(f"service result vs the ncnn runtime's x4plus: {measured:.1f} dB")
    assert measured >= 45.0, "only 8-bit rounding may separate the two"


def test_photo_falls_back_to_x4fast_when_x4plus_would_not_finish_in_time(
    photo_models: Path, tmp_path: Path
) -> None:
    import httpx

    from tests.web.live import set_live_settings

    sample = tmp_path / "baby.png"  # Set5's baby, 512 x 512
    assert cv2.imwrite(str(sample), imread(IMAGES / "set5" / "baby_GT.bmp"))
    with (
        embedded_server(make_settings(tmp_path, photo_models, **FP32)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        # The worker calibrated itself at start, on whichever engine path this
        # machine chose: a 1 s limit refuses the upload and says what x4plus
        # would take here. x4plus does 15x the arithmetic of x4fast per pixel,
        # so a third of that leaves x4plus out and x4fast in, on any machine.
        set_live_settings(live, job_timeout_seconds=1)
        refused = upload(client, sample, preset="photo", factor="2x")
        assert refused.status_code == 422, refused.text
        message = refused.json()["error"]["message"]
        match = re.search(rf"about (\d+) s with {X4PLUS}", message)
        assert match, message
        limit = max(3, int(match.group(1)) // 3)
        set_live_settings(live, job_timeout_seconds=limit, workers=True)

        accepted = upload(client, sample, preset="photo", factor="2x")
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["estimated_seconds"] <= limit
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        assert job["model"] == FAST
        assert X4PLUS in job["model_reason"] and f"{limit} s limit" in job["model_reason"]
        assert job["result"]["width"] == 1024


async def test_a_starting_worker_calibrates_each_model_and_a_job_replaces_it(
    photo_models: Path,
) -> None:
    from upscaler.db.tables import Model
    from upscaler_worker.calibration import calibrate
    from upscaler_worker.inference import read_installed
    from upscaler_worker.runners import RunnerCache
    from upscaler_worker.throughput import with_measurement

    runners = RunnerCache(photo_models)
    measured = await calibrate(runners, read_installed(photo_models))
    assert set(measured) == {X4PLUS, FAST, "RealESRGAN_x4plus_anime_6B", "realesr-animevideov3"}
    assert all(entry["jobs"] == 0 and entry["calibrated"] for entry in measured.values())
    heavy, light = (measured[name]["pixels_per_second"] for name in (X4PLUS, FAST))
    # x4plus does 15x the arithmetic of x4fast per pixel.
    assert 0 < heavy < light / 5, (heavy, light)
    # The sessions stay loaded for the jobs.
    assert (await runners.get(Model(name=FAST, artifact_path=f"{FAST}.onnx"))).runner is not None

    model = Model(name=FAST, artifact_path=f"{FAST}.onnx")
    after_one_job = with_measurement(measured, model, pixels=1_000_000, seconds=4.0)
    assert after_one_job[FAST] == {"pixels_per_second": 250_000.0, "jobs": 1}
    after_two = with_measurement(after_one_job, model, pixels=1_000_000, seconds=2.0)
    assert after_two[FAST]["jobs"] == 2
    assert after_two[FAST]["pixels_per_second"] == pytest.approx(250_000 + 0.3 * 250_000)
