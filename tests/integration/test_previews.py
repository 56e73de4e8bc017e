"""Model previews in both modes: a crop of the image upscaled by every
installed model, side by side, with each model's estimate for the whole
image; identical requests answered from the cache; a chosen crop; the
refusals; the per-client limit; and the full job run with the chosen model."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.helpers import (
    IMAGES,
    SLOW_IMAGE,
    Service,
    fresh_postgres_database,
    upload,
    wait_for_job,
)

#: High enough for the tests before the limit's own, which counts to it.
PREVIEW_LIMIT = 14
SERVICE_SETTINGS = {
    "preview_rate_limit_per_minute": PREVIEW_LIMIT,
    # Every engine path measured at start, for four models, is a minute of
    # start-up; the paths are tested elsewhere.
    "engine_path": "cpu-fp32",
}
PHOTO = IMAGES / "realesrgan" / "00003.png"  # 512 x 256
#: The installed models (make models), best first.
INSTALLED = {
    "RealESRGAN_x4plus",
    "RealESRGAN_x4plus_anime_6B",
    "realesrgan-x4fast",
    "realesr-animevideov3",
}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A database of this module's own: its workers register all four models
    as active, and later modules' workers (with the test model alone) would be
    sent jobs for models they do not have."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def model_dir(every_model_dir: Path) -> Path:
    """This module's services have every installed model, not only the test model."""
    return every_model_dir


@pytest.fixture
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=60) as client:
        yield client


def post_preview(
    client: httpx.Client, image: bytes | None = None, /, **fields: str
) -> httpx.Response:
    body = PHOTO.read_bytes() if image is None else image
    return client.post("/api/v1/previews", files={"file": ("photo.png", body)}, data=fields)


def wait_for_preview(client: httpx.Client, url: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(url).json()
        if body["status"] in ("completed", "failed"):
            return body
        assert time.monotonic() < deadline, f"preview still {body['status']}: {body}"
        time.sleep(0.2)


def image_of(client: httpx.Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


def test_every_model_upscales_the_most_detailed_crop(client: httpx.Client) -> None:
    response = post_preview(client, denoise="none", factor="4x")
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["cached"] is False
    assert (started["image_width"], started["image_height"]) == (512, 256)
    crop = started["crop"]
    assert (crop["width"], crop["height"], crop["chosen"]) == (128, 128, False)
    assert {m["model"] for m in started["models"]} == INSTALLED
    assert all(m["estimated_seconds"] >= 1 for m in started["models"])

    done = wait_for_preview(client, started["status_url"])
    assert done["status"] == "completed", done
    original = image_of(client, done["crop_url"])
    assert original.size == (128, 128)
    with Image.open(PHOTO) as photo:
        expected = photo.convert("RGB").crop(
            (crop["x"], crop["y"], crop["x"] + 128, crop["y"] + 128)
        )
    assert original.convert("RGB").tobytes() == expected.tobytes()
    outputs = {}
    for entry in done["models"]:
        assert entry["status"] == "completed", entry
        assert entry["seconds"] > 0
        outputs[entry["model"]] = image_of(client, entry["image_url"])
        assert outputs[entry["model"]].size == (512, 512)
    # Four different networks: four different pictures.
    assert len({image.tobytes() for image in outputs.values()}) == len(INSTALLED)


def test_an_identical_request_is_answered_from_the_cache(client: httpx.Client) -> None:
    first = post_preview(client, factor="2x", x="300", y="100")
    assert first.status_code == 202, first.text
    again = post_preview(client, factor="2x", x="300", y="100")
    assert again.status_code == 200, again.text
    assert again.json()["cached"] is True
    assert again.json()["preview_id"] == first.json()["preview_id"]
    # Anything that changes the pictures is a new preview.
    other = post_preview(client, factor="2x", x="300", y="100", denoise="high")
    assert other.status_code == 202
    assert other.json()["preview_id"] != first.json()["preview_id"]


def test_a_chosen_crop_is_kept_inside_the_image(client: httpx.Client) -> None:
    response = post_preview(client, x="500", y="10", size="64", factor="2x")
    assert response.status_code == 202, response.text
    crop = response.json()["crop"]
    assert crop == {"x": 448, "y": 10, "width": 64, "height": 64, "chosen": True}
    done = wait_for_preview(client, response.json()["status_url"])
    sizes = {image_of(client, m["image_url"]).size for m in done["models"]}
    assert sizes == {(128, 128)}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"size": "512"}, "size"),
        ({"x": "10"}, "y"),
        ({"denoise": "extreme"}, "denoise"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_form_is_refused_with_the_field(
    client: httpx.Client, fields: dict[str, str], field: str
) -> None:
    response = post_preview(client, **fields)
    assert response.status_code == 400, response.text
    assert field in [problem["field"] for problem in response.json()["error"]["fields"]]


def test_not_an_image_and_unknown_previews(client: httpx.Client) -> None:
    response = post_preview(client, b"%PDF-1.4 not an image at all")
    assert response.status_code == 415, response.text
    assert client.get("/api/v1/previews/prv_nothing").status_code == 404
    assert client.get("/api/v1/previews/prv_nothing/crop").status_code == 404


def test_the_chosen_model_runs_the_full_job(client: httpx.Client) -> None:
    # The photo preset's first choice is x4plus; the person picked another.
    response = upload(client, PHOTO, factor="2x", preset="photo", model="realesrgan-x4fast")
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["job_id"])
    assert job["status"] == "completed", job
    assert job["model"] == "realesrgan-x4fast"

    refused = upload(client, PHOTO, factor="2x", model="no-such-model")
    assert refused.status_code == 400
    problems = refused.json()["error"]["fields"]
    assert problems[0]["field"] == "model"
    assert "realesrgan-x4fast" in problems[0]["message"]


def test_a_preview_does_not_wait_behind_a_long_job(client: httpx.Client) -> None:
    """Workers keep a thread beyond their job slots for previews."""
    long_job = upload(client, SLOW_IMAGE, factor="4x", preset="photo")
    assert long_job.status_code == 202, long_job.text
    job_id = long_job.json()["job_id"]
    wait_for_job(client, job_id, until={"running"})
    response = post_preview(client, size="32", factor="2x")
    assert response.status_code == 202, response.text
    done = wait_for_preview(client, response.json()["status_url"])
    assert done["status"] == "completed", done
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "running", "the preview waited for the job"
    assert client.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200


def test_previews_are_limited_per_client(client: httpx.Client) -> None:
    """Last in the module: it uses up the limit. Every request counts, even
    a refused one (the limit comes before the upload is read)."""
    for _ in range(PREVIEW_LIMIT + 1):
        response = post_preview(client, size="1")
        if response.status_code == 429:
            break
        assert response.status_code == 400
    assert response.status_code == 429, "no limit reached"
    assert int(response.headers["Retry-After"]) >= 1
    assert "per minute" in response.json()["error"]["message"]
