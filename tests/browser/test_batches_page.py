"""A batch in Debian's Chromium: drop the five Set5 images on the landing
page, follow one aggregate progress on the batch page, download one ZIP and
find five upscaled PNGs under the original names."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.support import axe_violations, csp_errors, screenshot
from tests.helpers import IMAGES, LiveServer

pytestmark = pytest.mark.browser

SET5 = sorted((IMAGES / "set5").glob("*.bmp"))

#: Every progress value the batch page shows, kept on window.__progress.
RECORDER = """
document.addEventListener('DOMContentLoaded', () => {
  const batch = document.getElementById('batch');
  if (!batch) return;
  window.__progress = [Number(batch.dataset.progress)];
  new MutationObserver(() => window.__progress.push(Number(batch.dataset.progress)))
    .observe(batch, {attributes: true, attributeFilter: ['data-progress']});
});
"""


def drop(page: Any, paths: list[Path]) -> None:
    files = [{"name": path.name, "bytes": list(path.read_bytes())} for path in paths]
    page.evaluate(
        """(files) => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = new Uint8Array(f.bytes);
                transfer.items.add(new File([bytes], f.name, {type: 'image/bmp'}));
            }
            const zone = document.getElementById('dropzone');
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                                                        dataTransfer: transfer}));
            }
        }""",
        files,
    )


def test_drop_five_images_follow_one_progress_and_download_one_zip(
    page: Any, server: LiveServer
) -> None:
    assert len(SET5) == 5
    page.add_init_script(RECORDER)
    page.goto(f"{server.url}/")
    drop(page, SET5)
    page.wait_for_selector("#batch-chosen:not([hidden])")
    assert "5 files chosen" in (page.text_content("#batch-summary") or "")
    assert page.is_hidden("#preview")
    page.check("input[name=factor][value='2x']")
    page.click("#submit")

    page.wait_for_url(re.compile(r"/batches/bat_[\w-]+$"))
    assert page.locator("#batch-grid .batch-item").count() == 5
    page.wait_for_selector("#batch[data-status=completed]", timeout=180_000)
    progress = page.evaluate("window.__progress")
    assert progress[-1] == 100 and progress == sorted(progress), progress
    assert any(0 < value < 100 for value in progress), f"no aggregate progress: {progress}"
    assert page.locator("#batch-grid img").count() == 5  # every thumbnail shown
    assert "5 of 5 done" in (page.text_content("#batch-message") or "")
    assert axe_violations(page) == []
    screenshot(page, "batch-completed-desktop")

    with page.expect_download() as download_info:
        page.click("#batch-download")
    download = download_info.value
    with zipfile.ZipFile(download.path()) as results:
        names = sorted(results.namelist())
        assert names == sorted([*(f"{path.stem}.png" for path in SET5), "manifest.json"])
        for path in SET5:
            with Image.open(path) as original:
                expected = (original.width * 2, original.height * 2)
            with Image.open(io.BytesIO(results.read(f"{path.stem}.png"))) as result:
                assert (result.format, result.size) == ("PNG", expected)
    assert csp_errors(page) == []
    assert page.console_errors == []
