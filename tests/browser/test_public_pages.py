"""The public pages as a person uses them, in Debian's Chromium: choose an
image, watch the job, compare, download; the checks before uploading; the
refusals; the pages without JavaScript; live updates when events fail;
accessibility (axe-core) and screenshots at desktop and phone widths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser.support import DESKTOP, PHONE, axe_violations, csp_errors, screenshot
from tests.helpers import IMAGES, SLOW_IMAGE, LiveServer, upload, wait_for_job
from tests.web.live import live_settings, set_live_settings

pytestmark = pytest.mark.browser

SMALL = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179, 9.4 KB
MEDIUM = IMAGES / "realesrgan" / "00003.png"  # 512 x 256: a few seconds at 4x
BMP = IMAGES / "set5" / "baby_GT.bmp"
TIMES = "\N{MULTIPLICATION SIGN}"

#: Records the upload bar's values (kept across the navigation to the job
#: page) and every status and progress value the job page shows.
RECORDER = """
window.__seen = [];
document.addEventListener('DOMContentLoaded', () => {
  const bar = document.getElementById('upload-bar');
  if (bar) {
    new MutationObserver(() => {
      const seen = JSON.parse(sessionStorage.getItem('upload-bar') || '[]');
      seen.push(Number(bar.getAttribute('value')));
      sessionStorage.setItem('upload-bar', JSON.stringify(seen));
    }).observe(bar, {attributes: true, attributeFilter: ['value']});
  }
  const job = document.getElementById('job');
  if (!job) return;
  const record = () => window.__seen.push([job.dataset.status, Number(job.dataset.progress)]);
  record();
  new MutationObserver(record).observe(job, {
    attributes: true, attributeFilter: ['data-status', 'data-progress'],
  });
});
"""


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def completed_4x(server: LiveServer) -> dict[str, Any]:
    """A finished 4x job of the small image (716 x 716)."""
    with server.client() as client:
        job_id = upload(client, SMALL, factor="4x").json()["job_id"]
        job = wait_for_job(client, job_id)
    assert job["status"] == "completed", job
    return job


def assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe on {where}: {violations}"


def png_size(path: Path) -> tuple[str | None, tuple[int, int]]:
    with Image.open(path) as image:
        return image.format, image.size


def focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def uploads_sent(requests: list[Any]) -> list[Any]:
    return [r for r in requests if r.method == "POST"]


# -- the whole way through ----------------------------------------------------------


def test_upload_watch_progress_compare_and_download(page: Any, server: LiveServer) -> None:
    page.add_init_script(RECORDER)
    page.goto(f"{server.url}/")
    assert page.title().startswith("Upscale images")
    assert_accessible(page, "the landing page")
    screenshot(page, "landing-desktop")

    page.set_input_files("#file", MEDIUM)
    page.wait_for_selector("#preview:not([hidden])")
    assert page.text_content("#preview-dimensions") == f"512 {TIMES} 256 px"
    assert page.text_content("#preview-output") == f"2048 {TIMES} 1024 px (4{TIMES})"
    page.check("input[name=factor][value='2x']")
    assert page.text_content("#preview-output") == f"1024 {TIMES} 512 px (2{TIMES})"
    page.check("input[name=factor][value='4x']")
    assert page.get_attribute("#preview-image", "src", timeout=1000).startswith("blob:")
    assert "s" in (page.text_content("#preview-estimate") or "")
    screenshot(page, "landing-chosen-desktop")

    page.click("#submit")
    page.wait_for_url(re.compile(r"/jobs/job_[\w-]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    uploaded = page.evaluate("JSON.parse(sessionStorage.getItem('upload-bar') || '[]')")
    assert uploaded and uploaded[-1] == 100, f"upload progress not shown: {uploaded}"
    page.wait_for_selector("#job[data-status=running]", timeout=30_000)
    assert page.get_attribute("#job", "data-transport") == "sse"
    assert_accessible(page, "the job page while running")
    screenshot(page, "job-running-desktop")

    page.wait_for_selector("#job[data-status=completed]", timeout=90_000)
    seen = page.evaluate("window.__seen")
    statuses = [status for status, _ in seen]
    progress = [value for status, value in seen if status == "running"]
    assert "running" in statuses and statuses[-1] == "completed", seen
    assert any(0 < value < 100 for value in progress), f"no live progress shown: {seen}"
    assert progress == sorted(progress), f"progress went backwards: {seen}"
    # Screen readers heard the progress by quarters.
    announced = page.text_content("#progress-announcer") or ""
    assert re.match(r"(25|50|75) % done\.", announced), announced
    assert page.text_content("#status-badge") == "Done"
    assert page.is_hidden("#cancel-form") and page.is_hidden("#progress-block")
    assert page.title().startswith("Done")
    assert f"2048 {TIMES} 1024 px" in (page.text_content("#fact-result") or "")
    page.wait_for_selector("#compare.has-full-result", timeout=30_000)
    assert_accessible(page, "the completed job page")
    screenshot(page, "job-completed-desktop")

    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "00003-upscaled-4x.png"
    assert png_size(Path(download.path())) == ("PNG", (2048, 1024))
    assert csp_errors(page) == []
    assert page.console_errors == []
    # The page is a shareable link: opened afresh, it shows the result at once.
    page.goto(f"{server.url}/jobs/{job_id}")
    assert page.is_visible("#download")


def test_the_accessibility_scan_finds_problems(page: Any) -> None:
    """The scan the page tests rely on reports what it should."""
    page.set_content('<main><img src="/x.png"><input type="text"><p>no title</p></main>')
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found, found


# -- the comparison ------------------------------------------------------------------


def divider_side(page: Any, fraction: float) -> str:
    """Which image is under a point at `fraction` of the comparison's width."""
    side: str = page.evaluate(
        """(fraction) => {
            const box = document.getElementById('compare-stage').getBoundingClientRect();
            const x = box.left + box.width * fraction;
            const y = Math.max(box.top + 1, Math.min(box.bottom, window.innerHeight) - 10);
            return document.elementFromPoint(x, y).closest('figure').id || 'after';
        }""",
        fraction,
    )
    return side


def test_comparison_slider_by_mouse_and_keyboard_and_zoom(
    page: Any, server: LiveServer, completed_4x: dict[str, Any]
) -> None:
    page.goto(f"{server.url}/jobs/{completed_4x['job_id']}")
    handle = page.locator("#compare-handle")
    handle.wait_for(state="visible")
    assert handle.get_attribute("role") == "slider"
    assert handle.get_attribute("aria-valuenow") == "50"
    page.locator("#compare-stage").scroll_into_view_if_needed()
    clip_at_start = page.eval_on_selector("#before-clip", "e => getComputedStyle(e).clipPath")
    assert (divider_side(page, 0.4), divider_side(page, 0.6)) == ("before-clip", "after")

    # Mouse: press at the middle and drag to a quarter.
    box = page.locator("#compare-stage").bounding_box()
    y = box["y"] + min(box["height"], DESKTOP["height"] - box["y"]) * 0.5
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.25, y, steps=6)
    page.mouse.up()
    value = int(handle.get_attribute("aria-valuenow") or "-1")
    assert 23 <= value <= 27, value
    assert page.eval_on_selector("#before-clip", "e => getComputedStyle(e).clipPath") != (
        clip_at_start
    )
    assert (divider_side(page, 0.2), divider_side(page, 0.3)) == ("before-clip", "after")

    # Keyboard, on the focused handle.
    handle.focus()
    page.keyboard.press("Home")
    assert handle.get_attribute("aria-valuenow") == "0"
    assert divider_side(page, 0.05) == "after"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert handle.get_attribute("aria-valuenow") == "3"
    page.keyboard.press("Shift+ArrowRight")
    assert handle.get_attribute("aria-valuenow") == "13"
    page.keyboard.press("End")
    assert handle.get_attribute("aria-valuenow") == "100"
    assert handle.get_attribute("aria-valuetext") == "100 % original, 0 % upscaled"
    assert divider_side(page, 0.95) == "before-clip"
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowLeft")
    assert handle.get_attribute("aria-valuenow") == "89"

    # Zoom to 100 %: the result at its real width in a scrollable frame.
    assert page.get_attribute("#zoom-toggle", "aria-pressed") == "false"
    page.click("#zoom-toggle")
    assert page.get_attribute("#zoom-toggle", "aria-pressed") == "true"
    stage_width = page.eval_on_selector("#compare-stage", "e => e.getBoundingClientRect().width")
    assert stage_width == pytest.approx(716, abs=1)
    page.click("#zoom-toggle")
    assert page.get_attribute("#zoom-toggle", "aria-pressed") == "false"
    assert csp_errors(page) == []


def test_completed_page_on_a_phone_with_touch(
    phone: Any, server: LiveServer, completed_4x: dict[str, Any]
) -> None:
    page = phone
    page.goto(f"{server.url}/jobs/{completed_4x['job_id']}")
    handle = page.locator("#compare-handle")
    handle.wait_for(state="visible")
    page.wait_for_selector("#compare.has-full-result")
    page.locator("#compare-stage").scroll_into_view_if_needed()
    box = page.locator("#compare-stage").bounding_box()
    assert box["width"] <= PHONE["width"]
    visible_height = min(box["height"], PHONE["height"] - box["y"])
    page.touchscreen.tap(box["x"] + box["width"] * 0.8, box["y"] + visible_height * 0.5)
    value = int(handle.get_attribute("aria-valuenow") or "-1")
    assert 77 <= value <= 83, value
    # Nothing wider than the screen, and every button big enough for a finger.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for selector in ("#download", "#zoom-toggle", "#compare-handle", ".again .button"):
        size = page.locator(selector).bounding_box()
        assert size["height"] >= 44 and size["width"] >= 44, (selector, size)
    assert_accessible(page, "the completed job page on a phone")
    screenshot(page, "job-completed-phone")
    # Zoomed in on a phone, the 716 px result scrolls sideways in its frame.
    page.click("#zoom-toggle")
    scroll = page.eval_on_selector(
        "#compare-viewport", "e => [e.scrollWidth, e.clientWidth, e.scrollLeft]"
    )
    assert scroll[0] >= 716 > scroll[1], scroll
    assert scroll[2] > 0  # the divider (at 80 %) was scrolled into view
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert csp_errors(page) == []


def test_landing_page_on_a_phone(phone: Any, server: LiveServer) -> None:
    page = phone
    page.goto(f"{server.url}/")
    assert page.is_visible("text=Choose an image")  # not "drop" on a touch screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_input_files("#file", SMALL)
    page.wait_for_selector("#preview:not([hidden])")
    for selector in ("#submit", "label.option >> nth=0", "#output_format", "#clear-file"):
        size = page.locator(selector).bounding_box()
        assert size["height"] >= 44, (selector, size)
    assert_accessible(page, "the landing page on a phone")
    screenshot(page, "landing-phone")
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    page.reload()
    page.set_input_files("#file", SMALL)
    page.wait_for_selector("#preview:not([hidden])")
    assert_accessible(page, "the landing page on a phone, dark colour scheme")
    screenshot(page, "landing-phone-dark")


# -- checks before uploading -------------------------------------------------------------


def test_files_are_checked_before_anything_is_sent(
    page: Any, server: LiveServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image\n")
    renamed = tmp_path / "holiday.png"
    renamed.write_text("still not an image\n")
    requests: list[Any] = []
    page.on("request", lambda request: requests.append(request))

    def choose(path: Path) -> str:
        page.set_input_files("#file", path)
        page.wait_for_selector("#file-error:not([hidden])")
        return page.text_content("#file-error") or ""

    with live_settings(server, max_upload_size_bytes=5000, max_input_pixels=20_000):
        page.goto(f"{server.url}/")
        assert "up to 4.9 KB" in (page.text_content("#limit-list") or "")
        assert "“notes.txt” is not an image this service can read" in choose(notes)
        assert "Choose a JPEG, PNG, WebP, TIFF or GIF image" in choose(notes)
        assert "is named like a PNG image, but its contents are not one" in choose(renamed)
        assert "is a BMP image, which cannot be upscaled here" in choose(BMP)
        message = choose(SMALL)
        assert "“0014.jpg” is 9.4 KB; the limit is 4.9 KB" in message
        assert page.get_attribute("#file", "aria-invalid") == "true"
        assert page.is_hidden("#preview")
        page.click("#submit")
        assert focused(page) == "file"
        assert "the limit is 4.9 KB" in (page.text_content("#file-error") or "")

    with live_settings(server, max_input_pixels=20_000):
        page.reload()
        message = choose(SMALL)
        assert f"This image is 179 {TIMES} 179 pixels (0 megapixels)" in message
        assert "the limit is 0 megapixels" in message

    with live_settings(server, allowed_mimes=["image/png"]):
        page.reload()
        assert "JPEG images are not accepted here. Choose a PNG image." in choose(SMALL)

    assert uploads_sent(requests) == [], "a refused file was sent"
    assert csp_errors(page) == []


def test_dropping_a_file_previews_it(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/")
    data = list(SMALL.read_bytes())
    page.evaluate(
        """(bytes) => {
            const file = new File([new Uint8Array(bytes)], '0014.jpg', {type: 'image/jpeg'});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const zone = document.getElementById('dropzone');
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                                                        dataTransfer: transfer}));
            }
        }""",
        data,
    )
    page.wait_for_selector("#preview:not([hidden])")
    assert page.text_content("#preview-name") == "0014.jpg"
    assert page.text_content("#preview-dimensions") == f"179 {TIMES} 179 px"
    assert page.evaluate("document.getElementById('file').files[0].name") == "0014.jpg"


def test_tiff_dimensions_come_from_its_header(
    page: Any, server: LiveServer, tmp_path: Path
) -> None:
    tiff = tmp_path / "scan.tif"
    Image.new("RGB", (120, 80), (200, 30, 30)).save(tiff, format="TIFF")
    page.goto(f"{server.url}/")
    page.set_input_files("#file", tiff)
    page.wait_for_selector("#preview:not([hidden])")
    assert page.is_visible("#preview-placeholder")  # browsers cannot draw TIFF
    assert page.text_content("#preview-dimensions") == f"120 {TIMES} 80 px"
    assert page.text_content("#preview-output") == f"480 {TIMES} 320 px (4{TIMES})"


def test_tiff_job_shows_the_result_alone_and_downloads_the_tiff(
    page: Any, server: LiveServer, client: httpx.Client, tmp_path: Path
) -> None:
    tiff = tmp_path / "cat.tif"
    with Image.open(SMALL) as image:
        image.save(tiff, format="TIFF")
    job_id = upload(client, tiff, factor="2x", output_format="same").json()["job_id"]
    page.goto(f"{server.url}/jobs/{job_id}")
    page.wait_for_selector("#job[data-status=completed]", timeout=60_000)
    page.wait_for_selector("#compare-note:not([hidden])")
    note = page.text_content("#compare-note") or ""
    assert "cannot display the original image (TIFF)" in note
    page.wait_for_function("document.getElementById('after-image').naturalWidth > 0")
    assert page.is_hidden("#compare-handle") and page.is_hidden("#before-clip")
    with page.expect_download() as download_info:
        page.click("#download")
    with Image.open(download_info.value.path()) as result:
        assert (result.format, result.size) == ("TIFF", (358, 358))
    assert_accessible(page, "a completed TIFF job")


def test_quality_is_asked_for_lossy_results_only(page: Any, server: LiveServer) -> None:
    requests: list[Any] = []
    page.on("request", lambda request: requests.append(request))
    held: list[Any] = []  # the live settings' answer, held back for a moment
    page.route("**/api/v1/service-info", lambda route: held.append(route))
    page.goto(f"{server.url}/")
    page.wait_for_selector("#field-quality", state="hidden", timeout=5_000)
    assert page.is_hidden("#field-quality")  # PNG by default, before service-info answers
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/api/v1/service-info")
    page.select_option("#output_format", "jpg")
    assert page.is_visible("#field-quality")
    page.select_option("#output_format", "same")
    assert page.is_hidden("#field-quality")
    page.set_input_files("#file", SMALL)  # a JPEG: "same" means JPEG
    page.wait_for_selector("#preview:not([hidden])")
    assert page.is_visible("#field-quality")
    page.fill("#quality", "150")
    page.click("#submit")
    page.wait_for_selector("#quality-error:not([hidden])")
    assert "from 1 to 100" in (page.text_content("#quality-error") or "")
    assert focused(page) == "quality"
    assert uploads_sent(requests) == []


# -- refusals from the server ---------------------------------------------------------------


def test_server_refusals_are_shown_next_to_the_right_control(
    page: Any, server: LiveServer, client: httpx.Client, tmp_path: Path
) -> None:
    # A JPEG cut short still previews in a browser; the server finds it truncated.
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(SMALL.read_bytes()[:6000])
    page.goto(f"{server.url}/")
    page.set_input_files("#file", cut)
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#submit")
    page.wait_for_selector("#file-error:not([hidden])")
    assert "truncated or corrupt" in (page.text_content("#file-error") or "")
    assert focused(page) == "file"
    assert page.url == f"{server.url}/"

    # Over the rate limit: the server's 429 becomes a countdown, and the button waits.
    with live_settings(server, rate_limit_per_minute=1, queue_paused=True, workers=True):
        first = upload(client, SMALL, factor="2x")
        assert first.status_code == 202
        page.reload()
        assert "1 per minute" in (page.text_content("#limit-list") or "")
        page.set_input_files("#file", SMALL)
        page.wait_for_selector("#preview:not([hidden])")
        page.click("#submit")
        page.wait_for_selector("#form-error:not([hidden])")
        text = page.text_content("#form-error") or ""
        pattern = r"Too many uploads .*\(at most 1 per minute\)\. You can upload again in "
        pattern += r"(\d+ s|1 min)\."
        assert re.search(pattern, text), text
        assert page.is_disabled("#submit")
        assert focused(page) == "form-error"
        client.post(f"/api/v1/jobs/{first.json()['job_id']}/cancel")
    assert csp_errors(page) == []


# -- job states ------------------------------------------------------------------------------


def test_queued_job_can_be_canceled_from_its_page(
    page: Any, server: LiveServer, client: httpx.Client
) -> None:
    with live_settings(server, queue_paused=True, workers=True):
        job_id = upload(client, SMALL, factor="2x").json()["job_id"]
        page.goto(f"{server.url}/jobs/{job_id}")
        page.wait_for_selector("#job[data-transport=sse]")
        assert page.text_content("#status-badge") == "Waiting in the queue"
        assert page.text_content("#status-message") == "Your job is next in the queue."
        assert page.get_attribute("#status-message", "aria-live") == "polite"
        assert_accessible(page, "a queued job page")
        page.click("#cancel-button")
        page.wait_for_selector("#job[data-status=canceled]")
        assert page.text_content("#status-badge") == "Canceled"
        assert page.is_hidden("#cancel-form") and page.is_hidden("#result")
        assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "canceled"
    assert csp_errors(page) == []


def test_failed_job_shows_the_reason(page: Any, server: LiveServer, client: httpx.Client) -> None:
    # Admitted under the normal limit (admission refuses an upload that cannot
    # finish in 1 s); the limit drops to 1 s before the job runs.
    with live_settings(server, queue_paused=True, workers=True):
        accepted = upload(client, SLOW_IMAGE, factor="4x")
        assert accepted.status_code == 202, accepted.text
        limit = set_live_settings(server, job_timeout_seconds=1, workers=True)
    try:
        page.goto(f"{server.url}/jobs/{accepted.json()['job_id']}")
        page.wait_for_selector("#job[data-status=failed]", timeout=60_000)
    finally:
        # The worker must see the normal limit again before the next test's
        # job reaches it, or that job is stopped after 1 s too.
        set_live_settings(server, workers=True, **limit)
    assert page.text_content("#status-badge") == "Failed"
    error = page.text_content("#job-error") or ""
    assert "longer than the 1 s limit" in error
    assert page.is_visible("#job-error") and page.is_hidden("#result")
    assert_accessible(page, "a failed job page")


def test_live_updates_fall_back_to_polling_when_events_fail(
    page: Any, server: LiveServer, client: httpx.Client
) -> None:
    page.route("**/api/v1/jobs/*/events", lambda route: route.abort())
    page.add_init_script(RECORDER)
    job_id = upload(client, MEDIUM, factor="2x").json()["job_id"]
    page.goto(f"{server.url}/jobs/{job_id}")
    page.wait_for_selector("#job[data-transport=polling]", timeout=30_000)
    page.wait_for_selector("#job[data-status=completed]", timeout=60_000)
    assert page.is_visible("#download")
    assert page.get_attribute("#job", "data-transport") == "polling"


def test_events_reconnect_after_a_dropped_connection(
    page: Any, server: LiveServer, client: httpx.Client
) -> None:
    dropped: list[str] = []

    def drop_first(route: Any) -> None:
        if not dropped:
            dropped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/jobs/*/events", drop_first)
    job_id = upload(client, MEDIUM, factor="2x").json()["job_id"]
    page.goto(f"{server.url}/jobs/{job_id}")
    page.wait_for_selector("#job[data-status=completed]", timeout=60_000)
    assert len(dropped) == 1
    assert page.get_attribute("#job", "data-transport") == "sse"


# -- without JavaScript ------------------------------------------------------------------------


def test_upload_and_download_without_javascript(chromium: Any, server: LiveServer) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport=DESKTOP, accept_downloads=True
    )
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        page.set_input_files("#file", SMALL)
        page.check("input[name=factor][value='2x']")
        page.click("#submit")
        page.wait_for_url(re.compile(r"/jobs/job_[\w-]+$"))
        # The page reloads itself (meta refresh) until the job ends.
        page.wait_for_selector("#status-badge[data-status=completed]", timeout=60_000)
        assert page.is_visible("#before-image") and page.is_visible("#after-image")
        assert page.is_hidden("#compare-handle")  # the slider needs the script
        screenshot(page, "job-completed-no-javascript")
        with page.expect_download() as download_info:
            page.click("#download")
        assert png_size(Path(download_info.value.path())) == ("PNG", (358, 358))

        # A refusal comes back as the form, with the message beside the file.
        page.goto(f"{server.url}/")
        page.set_input_files("#file", BMP)
        page.click("#submit")
        page.wait_for_selector("#file-error:not([hidden])")
        assert "not a supported image" in (page.text_content("#file-error") or "")
        assert page.url == f"{server.url}/upload"
    finally:
        context.close()
