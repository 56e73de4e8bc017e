"""Comparing the models before the full job, in Debian's Chromium: choose an
image, pick a part of it, see it upscaled by each of the four installed
models side by side with their estimates, choose one, and the full job runs
with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.support import axe_violations, csp_errors, screenshot
from tests.helpers import IMAGES, LiveServer, embedded_server, make_settings

pytestmark = pytest.mark.browser

PHOTO = IMAGES / "realesrgan" / "00003.png"  # 512 x 256
MODELS = 4  # make models installs four here


@pytest.fixture(scope="module")
def every_model_server(
    tmp_path_factory: pytest.TempPathFactory, every_model_dir: Path
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("compare-data"), every_model_dir, engine_path="cpu-fp32"
    )
    with embedded_server(settings) as live:
        yield live


def test_pick_a_part_compare_four_models_and_run_the_chosen_one(
    page: Any, every_model_server: LiveServer
) -> None:
    url = every_model_server.url
    page.goto(f"{url}/")
    assert page.is_hidden("#model-compare")
    page.set_input_files("#file", PHOTO)
    page.wait_for_selector("#model-compare:not([hidden])")
    page.wait_for_selector("#crop-picker:not([hidden])")

    # Pick the part around (400, 200) of the 512 x 256 image: the click is in
    # the shown picture's coordinates.
    page.wait_for_function("() => document.getElementById('crop-source').naturalWidth > 0")
    page.locator("#crop-picker").scroll_into_view_if_needed()
    box = page.locator("#crop-source").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 400 / 512, box["y"] + box["height"] * 200 / 256)
    assert page.is_visible("#crop-marker")

    with page.expect_response(re.compile(r"/api/v1/previews$")) as posted:
        page.click("#compare-models")
    started = posted.value.json()
    # The square is centred on the click, moved inside the image.
    crop = started["crop"]
    assert crop["chosen"] is True and (crop["width"], crop["height"]) == (128, 128)
    assert abs(crop["x"] - 336) <= 2 and crop["y"] == 128, crop

    page.wait_for_function(
        "(count) => Array.from(document.querySelectorAll("
        "'#model-previews [data-status=completed] img'))"
        ".filter((img) => img.complete && img.naturalWidth > 0).length === count",
        arg=MODELS,
        timeout=120_000,
    )
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('#model-previews img'))"
        ".map(img => [img.complete, img.naturalWidth])"
    )
    # The original part and four models' results, each shown at 4x.
    assert loaded[0] == [True, 128]
    assert loaded[1:] == [[True, 512]] * MODELS
    assert "All 4 models are done" in (page.text_content("#compare-status") or "")
    names = page.eval_on_selector_all(
        "#model-previews [data-model]", "items => items.map(i => i.dataset.model)"
    )
    assert len(names) == MODELS
    for name in names:
        facts = page.text_content(f"#model-previews [data-model='{name}'] figcaption") or ""
        assert "the whole image about" in facts, facts
    violations = axe_violations(page)
    assert violations == [], violations
    screenshot(page, "model-previews-desktop")

    # Not the preset's own choice: the last (lightest) model.
    chosen = names[-1]
    page.click(f"#model-previews [data-model='{chosen}'] button")
    assert (
        page.get_attribute(f"#model-previews [data-model='{chosen}'] button", "aria-pressed")
        == "true"
    )
    assert page.input_value("#model") == chosen
    assert page.text_content("#preview-model") == chosen
    assert "with the chosen model" in (page.text_content("#preview-estimate") or "")

    page.click("#submit")
    page.wait_for_url(re.compile(r"/jobs/job_[\w-]+$"))
    page.wait_for_selector("#job[data-status=completed]", timeout=120_000)
    assert page.text_content("#fact-model") == chosen
    job_id = page.url.rsplit("/", 1)[1]
    with httpx.Client(base_url=url) as client:
        assert client.get(f"/api/v1/jobs/{job_id}").json()["model"] == chosen
    assert csp_errors(page) == []
    assert page.console_errors == []
