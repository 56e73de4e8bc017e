"""An account from start to quota, in Debian's Chromium: register, confirm
the address from the captured e-mail, sign in, upload, see the job on /me,
make an API key there, upload with it as curl would, see the usage grow, and
meet the daily quota's 429 with its message — on the page and for the key."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.accounts.support import link_in
from tests.browser.support import axe_violations, csp_errors, screenshot
from tests.helpers import IMAGES, LiveServer, embedded_server, make_settings, wait_for_job
from tests.notifications.support import SMTPServer
from tests.web.live import set_live_settings

pytestmark = pytest.mark.browser

SMALL = IMAGES / "realesrgan" / "0014.jpg"
QUOTA = 3


@pytest.fixture(scope="module")
def accounts_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, smtp_server: SMTPServer
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("account-flow"),
        model_dir,
        smtp_url=smtp_server.url,
        smtp_starttls=False,
        mail_from="Upscaler <upscaler@example.test>",
    )
    with embedded_server(settings) as live:
        set_live_settings(live, registration="open", free_daily_jobs=QUOTA)
        yield live


def usage_today(page: Any) -> str:
    return str(page.text_content("#usage-today") or "").strip()


def test_register_verify_upload_key_usage_and_quota(
    page: Any, accounts_server: LiveServer, smtp_server: SMTPServer
) -> None:
    url = accounts_server.url
    email = f"reader-{secrets.token_hex(3)}@example.org"
    page.goto(f"{url}/register")
    page.fill("#email", email)
    page.fill("#password", "a long enough password")
    page.click("#account-submit")
    page.wait_for_selector("#account-message")
    assert "We sent a link" in (page.text_content("#account-message") or "")
    username = email.split("@")[0]

    page.goto(link_in(smtp_server.mailbox.wait_for(email)))
    assert "can sign in now" in (page.text_content("#account-message") or "")
    page.click("a[href='/login']")
    page.fill("#username", username)
    page.fill("#password", "a long enough password")
    page.click("#account-submit")
    page.wait_for_url(f"{url}/me")
    assert page.text_content("#me-heading") == username
    assert usage_today(page) == f"0 of {QUOTA}"
    assert page.is_visible("#no-jobs")

    # An upload from the landing page while signed in is the account's.
    page.goto(f"{url}/")
    page.set_input_files("#file", SMALL)
    page.wait_for_selector("#preview:not([hidden])")
    page.check("input[name=factor][value='2x']")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/jobs/job_[\w-]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.goto(f"{url}/me")
    assert page.locator(f"#my-jobs [data-job-id='{job_id}']").count() == 1
    assert usage_today(page) == f"1 of {QUOTA}"

    page.fill("#key-name", "my script")
    page.click("#create-key")
    key = (page.text_content("#new-key") or "").strip()
    assert key.startswith("upk_")
    assert page.locator("#keys tbody tr").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "account-me-desktop")

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as curl:
        with SMALL.open("rb") as handle:
            sent = curl.post(
                "/api/v1/uploads", files={"file": ("a.jpg", handle)}, data={"factor": "2x"}
            )
        assert sent.status_code == 202, sent.text
        assert wait_for_job(curl, sent.json()["job_id"])["status"] == "completed"
        page.goto(f"{url}/me")
        assert usage_today(page) == f"2 of {QUOTA}"
        done = page.locator(f"#my-jobs [data-job-id='{sent.json()['job_id']}']")
        assert done.count() == 1
        # A finished job shows its preview and a download of the result.
        assert done.locator("img.my-job-thumb").count() == 1
        download = done.locator("a.my-job-download")
        assert "(358 \N{MULTIPLICATION SIGN} 358)" in (download.text_content() or "")
        assert curl.get(str(download.get_attribute("href"))).status_code == 200

        with SMALL.open("rb") as handle:
            third = curl.post(
                "/api/v1/uploads", files={"file": ("b.jpg", handle)}, data={"factor": "2x"}
            )
        assert third.status_code == 202
        with SMALL.open("rb") as handle:
            over = curl.post(
                "/api/v1/uploads", files={"file": ("c.jpg", handle)}, data={"factor": "2x"}
            )
        assert over.status_code == 429
        assert over.json()["error"]["code"] == "quota_exceeded"
        assert int(over.headers["Retry-After"]) > 0

    # The page says so too, with the server's words.
    page.goto(f"{url}/")
    page.set_input_files("#file", SMALL)
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#submit")
    page.wait_for_selector("#form-error:not([hidden])")
    assert "daily quota" in (page.text_content("#form-error-text") or "")
    page.goto(f"{url}/me")
    assert usage_today(page) == f"{QUOTA} of {QUOTA}"
    assert csp_errors(page) == []
    assert [e for e in page.console_errors if "429" not in e] == []
