"""Exact target sizes through the public API (the generated client), on a live
embedded service: the result is the size asked for, to the pixel."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import upscaler_client
from PIL import Image
from upscaler_client.api.uploads import create_upload
from upscaler_client.models import (
    CreateUploadBody,
    CreateUploadBodyFit,
    CreateUploadBodyPrintSize,
    ErrorResponseErrorBody,
    Factor,
    JobOut,
    JobStatus,
    OutputFormat,
)
from upscaler_client.types import File, Response

from tests.api_client import accepted, error_of, problems, wait_for_job
from tests.helpers import IMAGES, TEST_TILE_SIZE, embedded_server, make_settings

SQUARE = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179
PORTRAIT = IMAGES / "set5" / "woman_GT.bmp"  # 228 x 344


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path
) -> Iterator[upscaler_client.Client]:
    settings = make_settings(tmp_path_factory.mktemp("sized"), model_dir, tile_size=TEST_TILE_SIZE)
    with embedded_server(settings) as live:
        yield upscaler_client.Client(base_url=live.url, raise_on_unexpected_status=True)


def png_of(path: Path) -> bytes:
    """The service takes no BMP: the same pixels as PNG."""
    buffer = io.BytesIO()
    with Image.open(path) as image:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def submit(api: upscaler_client.Client, source: Path, **fields: Any) -> Response[Any]:
    data = png_of(source) if source.suffix == ".bmp" else source.read_bytes()
    body = CreateUploadBody(file=File(payload=io.BytesIO(data), file_name="in.png"), **fields)
    return create_upload.sync_detailed(client=api, body=body)


def finished(api: upscaler_client.Client, response: Response[Any]) -> JobOut:
    job = wait_for_job(api, accepted(response).job_id, timeout=120)
    assert job.status == JobStatus.COMPLETED, job.error
    return job


def result_image(api: upscaler_client.Client, job: JobOut) -> Image.Image:
    response = api.get_httpx_client().get(
        f"/api/v1/jobs/{job.job_id}/result", follow_redirects=True
    )
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("source", "fields", "size", "factor"),
    [
        (SQUARE, {"target_width": 500, "target_height": 300, "fit": "cover"}, (500, 300), "4x"),
        (SQUARE, {"target_width": 500, "target_height": 300}, (300, 300), "2x"),
        (PORTRAIT, {"target_width": 800, "target_height": 600, "fit": "cover"}, (800, 600), "4x"),
        (PORTRAIT, {"target_height": 1000}, (663, 1000), "4x"),
        (PORTRAIT, {"target_width": 301}, (301, 454), "2x"),
    ],
)
def test_the_result_is_exactly_the_size_asked_for(
    api: upscaler_client.Client,
    source: Path,
    fields: dict[str, Any],
    size: tuple[int, int],
    factor: str,
) -> None:
    if "fit" in fields:
        fields["fit"] = CreateUploadBodyFit(fields["fit"])
    job = finished(api, submit(api, source, **fields))
    assert job.result and (job.result.width, job.result.height) == size
    assert job.params["factor"] == factor  # the model pass chosen for it
    target = job.params["target"]
    assert (target["width"], target["height"]) == size
    assert result_image(api, job).size == size


def test_a_print_size_writes_its_dpi(api: upscaler_client.Client) -> None:
    # 10x15 cm at 100 dpi, cover; a square image prints portrait: 394 x 591
    fields = {
        "print_size": CreateUploadBodyPrintSize("10x15cm"),
        "dpi": 100,
        "fit": CreateUploadBodyFit("cover"),
    }
    job = finished(api, submit(api, SQUARE, **fields))
    image = result_image(api, job)
    assert image.size == (394, 591)
    assert image.info["dpi"] == pytest.approx((100, 100), abs=0.1)
    jpeg = finished(api, submit(api, SQUARE, **fields, output_format=OutputFormat("jpg")))
    as_jpeg = result_image(api, jpeg)
    assert as_jpeg.format == "JPEG" and as_jpeg.info["dpi"] == (100, 100)


def fields_of(error: ErrorResponseErrorBody) -> list[tuple[str, str]]:
    return [(problem.field, problem.message) for problem in problems(error)]


def test_impossible_or_ambiguous_sizes_are_refused(api: upscaler_client.Client) -> None:
    too_big = error_of(submit(api, SQUARE, target_width=1000), 422)
    assert too_big.code == "target_too_large" and "needs 5.59x" in too_big.message
    both = error_of(submit(api, SQUARE, factor=Factor("2x"), target_width=300), 400)
    assert fields_of(both) == [("factor", "give factor or a target size, not both")]
    neither = error_of(submit(api, SQUARE), 400)
    assert fields_of(neither) == [("factor", "is required")]
    mixed = error_of(
        submit(api, SQUARE, target_width=300, print_size=CreateUploadBodyPrintSize("a6")), 400
    )
    assert fields_of(mixed)[0][0] == "print_size"
