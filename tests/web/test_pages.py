"""The public pages over HTTP, against the embedded service: rendering from
the live settings, the no-JavaScript upload and cancel paths, the 404 page,
the same-origin check, and what the pages may contain under the CSP."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.helpers import IMAGES, TEST_MODEL, LiveServer, upload, wait_for_job
from tests.web.html import Element, parse
from tests.web.live import live_settings
from upscaler.live_settings import KNOWN_MIMES
from upscaler.uploads.validation import MIME_BY_KIND
from upscaler.web.service_info import EXTENSIONS_BY_MIME
from upscaler.web.templating import TYPE_LABELS

SMALL = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179
BMP = IMAGES / "set5" / "baby_GT.bmp"


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def post_form(
    client: httpx.Client,
    path: Path | None = SMALL,
    *,
    content: bytes | None = None,
    filename: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    """What a browser without JavaScript sends from the landing page."""
    fields.setdefault("factor", "2x")
    body = content if content is not None else (path.read_bytes() if path else b"")
    name = filename or (path.name if path else "file.bin")
    return client.post(
        "/upload",
        files={"file": (name, body, "application/octet-stream")},
        data=fields,
        headers={"Origin": str(client.base_url).rstrip("/"), **(headers or {})},
        follow_redirects=False,
    )


def field_error(page: Element, name: str) -> str | None:
    slot = page.by_id(f"{name}-error")
    return None if slot.hidden else slot.text()


def assert_csp_clean(markup: str, origin: str) -> None:
    """Nothing the strict CSP would block: no inline script or style, no
    handlers in attributes, nothing from another origin."""
    page = parse(markup)
    for element in page.iter():
        for name, value in element.attrs.items():
            assert not name.startswith("on"), f"<{element.tag} {name}=...> is an inline handler"
            assert name != "style", f"<{element.tag} style=...> is an inline style"
            if name in ("src", "href", "action") and value:
                assert value.startswith(("/", "#", origin)), f"{name}={value} is off-site"
        if element.tag == "script":
            assert element.attrs.get("src"), "inline <script>"
            assert not element.text(), "a <script> with a body"
        assert element.tag != "style", "a <style> element"


# -- the landing page -----------------------------------------------------------


def test_landing_page_is_the_upload_form_with_the_live_limits(
    client: httpx.Client, server: LiveServer
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = parse(response.text)
    form = page.by_id("upload-form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/upload")
    assert form.attrs["enctype"] == "multipart/form-data"
    assert page.by_id("file").attrs["name"] == "file"
    factors = [e.attrs["value"] for e in form.find_all("input", name="factor")]
    assert factors == ["2x", "4x"]
    assert {e.attrs["value"] for e in form.find_all("input", name="preset")} == {
        "photo",
        "art",
        "face",
        "standard",
    }
    assert [e.attrs["value"] for e in form.find_all("input", name="denoise")] == [
        "none",
        "low",
        "med",
        "high",
    ]
    formats = [e.attrs["value"] for e in page.by_id("output_format").find_all("option")]
    assert formats == ["png", "jpg", "webp", "same"]
    # No face model is installed in the tests: offered disabled, with the reason.
    faces = page.by_id("refine_faces")
    assert "disabled" in faces.attrs
    assert "No face-restoration model is installed" in page.by_id("refine_faces-hint").text()
    limits = page.by_id("limit-list").text()
    assert "up to 15 MB" in limits
    assert "JPEG, PNG, WebP, TIFF" in limits
    assert "up to 50 megapixels" in limits
    assert "no per-minute limit" in limits
    assert page.find_all("title")[0].text().startswith("Upscale images")
    assert page.find_all("meta", name="viewport")
    assert_csp_clean(response.text, server.url)

    with live_settings(
        server,
        max_upload_size_bytes=3 * 1024 * 1024,
        rate_limit_per_minute=7,
        allowed_mimes=["image/jpeg", "image/png"],
    ):
        page = parse(client.get("/").text)
        limits = page.by_id("limit-list").text()
        assert "up to 3 MB" in limits
        assert "7 per minute" in limits
        assert "JPEG, PNG" in limits and "TIFF" not in limits
        accept = page.by_id("file").attrs["accept"] or ""
        assert "image/tiff" not in accept and ".png" in accept
        assert page.by_id("upload-form").attrs["data-max-bytes"] == str(3 * 1024 * 1024)


def test_landing_page_in_maintenance_says_so_and_the_form_post_gets_503(
    client: httpx.Client, server: LiveServer
) -> None:
    with live_settings(server, maintenance_mode=True, maintenance_message="Back at noon."):
        page = parse(client.get("/").text)
        notice = page.by_id("service-notice")
        assert not notice.hidden and "Back at noon." in notice.text()
        assert "disabled" in page.by_id("submit").attrs
        response = post_form(client)
        assert response.status_code == 503
        assert response.headers["retry-after"]
        error = parse(response.text).by_id("form-error")
        assert not error.hidden and "Back at noon." in error.text()


# -- service info ------------------------------------------------------------------


def test_every_accepted_type_has_a_label_and_extensions() -> None:
    assert set(TYPE_LABELS) == set(EXTENSIONS_BY_MIME) == set(KNOWN_MIMES)
    assert set(MIME_BY_KIND.values()) == set(KNOWN_MIMES)


def test_service_info_reports_live_limits_choices_and_models(
    client: httpx.Client, server: LiveServer
) -> None:
    info = client.get("/api/v1/service-info").json()
    assert info["accepting_uploads"] is True and info["notice"] is None
    assert info["limits"]["max_upload_size_bytes"] == 15 * 1024 * 1024
    assert info["limits"]["accepted_mime_types"] == [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/tiff",
        "image/gif",
    ]
    assert info["limits"]["accepted_extensions"] == [
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".tif",
        ".tiff",
        ".gif",
    ]
    assert info["limits"]["max_input_pixels"] == 50_000_000
    assert [c["value"] for c in info["choices"]["factors"]] == ["2x", "4x"]
    assert [c["value"] for c in info["choices"]["denoise_levels"]] == ["none", "low", "med", "high"]
    assert info["choices"]["lossy_formats"] == ["jpg", "webp"]
    assert info["face_refinement"] == {
        "available": False,
        "reason": "No face-restoration model is installed on this server.",
    }
    assert info["models"] == [TEST_MODEL]
    assert info["preset_models"] == dict.fromkeys(("photo", "art", "face", "standard"), TEST_MODEL)
    assert info["queue"]["seconds_per_megapixel"] > 0

    with live_settings(
        server,
        max_upload_size_bytes=123_456,
        max_input_pixels=1_000_000,
        rate_limit_per_minute=5,
        allowed_mimes=["image/png", "image/webp"],
    ):
        limits = client.get("/api/v1/service-info").json()["limits"]
        assert limits == {
            "max_upload_size_bytes": 123_456,
            "accepted_mime_types": ["image/png", "image/webp"],
            "accepted_type_labels": ["PNG", "WebP"],
            "accepted_extensions": [".png", ".webp"],
            "max_input_pixels": 1_000_000,
            "rate_limit_per_minute": 5,
        }


def test_service_info_is_documented_and_the_pages_are_not(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/service-info"]["get"]
    reply = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert reply == {"$ref": "#/components/schemas/ServiceInfo"}
    assert {"limits", "choices", "face_refinement", "models", "queue"} <= set(
        schema["components"]["schemas"]["ServiceInfo"]["properties"]
    )
    for path in ("/", "/jobs/{job_id}", "/upload", "/jobs/{job_id}/cancel", "/favicon.ico"):
        assert path not in schema["paths"]


# -- the job page ---------------------------------------------------------------------


def test_unknown_job_is_a_404_page(client: httpx.Client, server: LiveServer) -> None:
    response = client.get("/jobs/job_doesnotexist")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.by_id("error-heading").text() == "Job not found"
    assert page.find_all("a", href="/")
    assert_csp_clean(response.text, server.url)


def test_upload_without_javascript_lands_on_a_job_page_that_refreshes_until_done(
    client: httpx.Client, server: LiveServer
) -> None:
    response = post_form(client, factor="2x", output_format="png", quality="80")
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert re.fullmatch(r"/jobs/job_[\w-]+", location)
    job_id = location.rsplit("/", 1)[1]

    page_html = client.get(location).text
    page = parse(page_html)
    assert page.by_id("job-heading").text() == "0014.jpg"
    assert page.by_id("job").attrs["data-job-id"] == job_id
    assert "2\N{MULTIPLICATION SIGN}" in page.by_id("job-params").text()
    assert_csp_clean(page_html, server.url)
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    if job["status"] in ("queued", "running"):
        assert '<meta http-equiv="refresh"' in page_html
        assert page.find_all("noscript")

    job = wait_for_job(client, job_id)
    assert job["status"] == "completed", job
    assert job["params"]["factor"] == "2x" and job["params"]["quality"] == 80
    done_html = client.get(location).text
    assert 'http-equiv="refresh"' not in done_html
    done = parse(done_html)
    assert done.by_id("status-badge").text() == "Done"
    assert done.by_id("progress-block").hidden
    assert done.by_id("cancel-form").hidden
    assert not done.by_id("result").hidden
    assert "358 \N{MULTIPLICATION SIGN} 358 px" in done.by_id("fact-result").text()
    download = done.by_id("download")
    assert download.text().startswith("Download PNG")
    assert_csp_clean(done_html, server.url)
    # The link works without any script: a PNG twice the size.
    result = client.get(download.attrs["href"] or "")
    assert result.status_code == 200
    assert "attachment" in result.headers["content-disposition"]
    with Image.open(io.BytesIO(result.content)) as image:
        assert (image.format, image.size) == ("PNG", (358, 358))


@pytest.mark.parametrize(
    ("kwargs", "status", "field", "words"),
    [
        (
            {"content": b"just some notes\n", "filename": "notes.txt"},
            415,
            "file",
            "not a supported image",
        ),
        ({"path": BMP}, 415, "file", "accepted: gif, jpeg, png, tiff, webp"),
        ({"content": b"", "filename": "empty.png"}, 400, "file", "empty"),
        (
            {"content": SMALL.read_bytes()[:1500], "filename": "cut.jpg"},
            422,
            "file",
            "truncated or corrupt",
        ),
        ({"factor": "3x"}, 400, "factor", "2x"),
        ({"denoise": "max"}, 400, "denoise", "none"),
        ({"quality": "0"}, 400, "quality", "greater than or equal to 1"),
    ],
)
def test_upload_without_javascript_shows_errors_next_to_the_control(
    client: httpx.Client,
    server: LiveServer,
    kwargs: dict[str, object],
    status: int,
    field: str,
    words: str,
) -> None:
    response = post_form(client, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    message = field_error(page, field)
    assert message is not None and words in message.lower()
    summary = page.by_id("form-error")
    assert not summary.hidden and "see the message next to" in summary.text()
    # The other choices are kept for the next try.
    if "factor" not in kwargs:
        checked = [e for e in page.find_all("input", name="factor") if "checked" in e.attrs]
        assert [e.attrs["value"] for e in checked] == ["2x"]
    assert_csp_clean(response.text, server.url)


def test_upload_without_javascript_over_the_size_limit_is_413_on_the_form(
    client: httpx.Client, server: LiveServer
) -> None:
    with live_settings(server, max_upload_size_bytes=4000):
        response = post_form(client)  # 9.4 KB: refused from Content-Length, before reading
        assert response.status_code == 413
        message = field_error(parse(response.text), "file")
        assert message is not None and "larger than the" in message
        # The browser keeps sending while the server has refused: the rest of
        # the body is read and dropped, so the page still arrives.
        big = b"\xff\xd8\xff" + b"\0" * 5_000_000
        response = post_form(client, content=big, filename="big.jpg")
        assert response.status_code == 413


def test_form_posts_from_another_site_are_refused(client: httpx.Client) -> None:
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "", "Referer": "http://evil.example/page"},
    ):
        response = post_form(client, headers=headers)
        assert response.status_code == 403, headers
        assert "another site" in parse(response.text).by_id("error-heading").text()
    # Same host with a default port spelled out, and a same-origin Referer, pass.
    response = client.post(
        "/upload",
        files={"file": ("a.jpg", SMALL.read_bytes())},
        data={"factor": "2x"},
        headers={"Referer": f"{client.base_url}/"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_cancel_without_javascript(client: httpx.Client, server: LiveServer) -> None:
    with live_settings(server, workers=True, queue_paused=True):
        job_id = upload(client, SMALL, factor="2x").json()["job_id"]
        own = {"Origin": str(client.base_url).rstrip("/")}
        refused = client.post(f"/jobs/{job_id}/cancel", headers={"Origin": "http://evil.example"})
        assert refused.status_code == 403
        assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "queued"
        queued = parse(client.get(f"/jobs/{job_id}").text)
        assert queued.by_id("status-badge").text() == "Waiting in the queue"
        assert "next in the queue" in queued.by_id("status-message").text()
        assert not queued.by_id("cancel-form").hidden

        response = client.post(f"/jobs/{job_id}/cancel", headers=own, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/jobs/{job_id}")
        assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "canceled"
        page = parse(client.get(f"/jobs/{job_id}").text)
        assert page.by_id("status-badge").text() == "Canceled"
        assert page.by_id("cancel-form").hidden
        # Canceling again is harmless; an unknown job is the 404 page.
        again = client.post(f"/jobs/{job_id}/cancel", headers=own, follow_redirects=False)
        assert again.status_code == 303
        missing = client.post("/jobs/job_nope/cancel", headers=own)
        assert missing.status_code == 404


def test_rate_limited_form_post_says_when_to_retry(
    client: httpx.Client, server: LiveServer
) -> None:
    with live_settings(server, rate_limit_per_minute=1, queue_paused=True, workers=True):
        first = post_form(client)
        assert first.status_code == 303
        second = post_form(client)
        assert second.status_code == 429
        retry_after = int(second.headers["retry-after"])
        assert 1 <= retry_after <= 60
        text = parse(second.text).by_id("form-error").text()
        assert "at most 1 per minute" in text and f"try again in {retry_after} s" in text
        job_id = first.headers["location"].rsplit("/", 1)[1]
        client.post(f"/api/v1/jobs/{job_id}/cancel")


# -- static files ---------------------------------------------------------------------


def test_favicon_and_every_asset_the_pages_use_are_served(client: httpx.Client) -> None:
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    page = parse(client.get("/").text)
    assets = {e.attrs.get("src") or e.attrs.get("href") for e in page.find_all("script")}
    assets |= {e.attrs["href"] for e in page.find_all("link")}
    job_id = upload(client, SMALL, factor="2x").json()["job_id"]
    job_page = parse(client.get(f"/jobs/{job_id}").text)
    assets |= {e.attrs.get("src") for e in job_page.find_all("script")}
    expected = {"js/upload.js", "js/job.js", "css/site.css", "icons/favicon.svg"}
    assert {a.split("?")[0].removeprefix("/static/public/") for a in assets if a} == expected
    modules = {"upload.js", "job.js"}
    seen: set[str] = set()
    while modules:
        name = modules.pop()
        seen.add(name)
        response = client.get(f"/static/public/js/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"]
        modules |= set(re.findall(r"from '\./([\w-]+\.js)'", response.text)) - seen
    assert {"format.js", "sniff.js", "compare.js"} <= seen
    for asset in assets:
        assert asset is not None
        assert client.get(asset).status_code == 200, asset
    wait_for_job(client, job_id)
