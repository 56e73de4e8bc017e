"""Animated uploads through the public API in both modes: a 10-frame GIF
comes back animated, twice the size, with the same timing and loop; what an
animation cannot be written as is refused before anything is stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageSequence
from upscaler_client.models import JobStatus, OutputFormat

from tests.api_client import accepted, create_upload, error_of, problems, typed, wait_for_job
from tests.helpers import Service

DURATIONS = [100, 50, 80, 120, 60, 70, 90, 40, 30, 200]


def ten_frame_gif(loop: int = 0) -> bytes:
    frames = []
    for index in range(10):
        image = Image.new("RGB", (72, 54), (25 * index, 90, 220 - 20 * index))
        ImageDraw.Draw(image).ellipse(
            (index * 5, 8, index * 5 + 22, 30), fill=(255, 230 - 20 * index, 30)
        )
        frames.append(image)
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=DURATIONS, loop=loop
    )
    return buffer.getvalue()


def test_an_animated_gif_comes_back_animated_with_its_timing(service: Service) -> None:
    with service.client() as client:
        api = typed(client)
        response = create_upload(
            api, ten_frame_gif(loop=2), factor="2x", filename="ball.gif",
            output_format=OutputFormat.SAME,
        )  # fmt: skip
        job = wait_for_job(api, accepted(response).job_id, timeout=120)
        assert job.status == JobStatus.COMPLETED, job.error
        assert job.original.frames == 10
        assert job.original.mime_type == "image/gif"

        result = client.get(f"/api/v1/jobs/{job.job_id}/result", follow_redirects=True)
        assert result.status_code == 200
        assert result.headers["content-type"] == "image/gif"
        assert 'ball-upscaled-2x.gif"' in result.headers["content-disposition"]
        with Image.open(io.BytesIO(result.content)) as image:
            assert (image.format, image.size, getattr(image, "n_frames", 1)) == (
                "GIF",
                (144, 108),
                10,
            )
            assert image.info["loop"] == 2
            durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
        assert durations == DURATIONS


@pytest.mark.parametrize(
    ("output_format", "written"), [(OutputFormat.WEBP, "WEBP"), (OutputFormat.PNG, "PNG")]
)
def test_an_animation_as_webp_or_animated_png(
    service: Service, output_format: OutputFormat, written: str
) -> None:
    """PNG (the default) writes an animated PNG: every browser plays it, in full colour."""
    with service.client() as client:
        api = typed(client)
        response = create_upload(
            api, ten_frame_gif(), factor="2x", filename="ball.gif", output_format=output_format
        )
        job = wait_for_job(api, accepted(response).job_id, timeout=120)
        assert job.status == JobStatus.COMPLETED, job.error
        result = client.get(f"/api/v1/jobs/{job.job_id}/result", follow_redirects=True)
        with Image.open(io.BytesIO(result.content)) as image:
            assert (image.format, getattr(image, "n_frames", 1), image.size) == (
                written,
                10,
                (144, 108),
            )
            durations = []
            for frame in ImageSequence.Iterator(image):
                frame.load()
                durations.append(round(frame.info["duration"]))
        assert durations == DURATIONS


def test_an_animation_cannot_be_a_jpeg(service: Service) -> None:
    with service.client() as client:
        api = typed(client)
        response = create_upload(
            api, ten_frame_gif(), factor="2x", filename="ball.gif", output_format=OutputFormat.JPG
        )
        error = error_of(response, 422)
        assert "cannot be written as JPG" in error.message
        assert [problem.field for problem in problems(error)] == ["output_format"]
