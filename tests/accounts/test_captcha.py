"""The CAPTCHA option against a local verification server (the one stand-in
the issue allows: the real providers are outside this network). Anonymous
uploads and batches need a token the provider accepts; the server checks it
with the secret and the client's address; accounts need none; a provider
that cannot be reached is a 503; the page shows the widget and its CSP lets
the provider's script in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.admin.support import admin_token, api_login, bearer, create_user
from tests.helpers import IMAGES, LiveServer, embedded_server, make_settings, refused_port

SMALL = IMAGES / "realesrgan" / "0014.jpg"
GOOD = "token-the-provider-accepts"
BROKEN_PATH = "/broken/siteverify"


class Verifier(ThreadingHTTPServer):
    """Answers like siteverify: success for GOOD with the right secret."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[dict[str, list[str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/siteverify"


class _Handler(BaseHTTPRequestHandler):
    server: Verifier

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        self.server.seen.append(form)
        if self.path == BROKEN_PATH:  # a provider in trouble, answering in JSON
            self._answer(500, {"error": "internal"})
            return
        ok = form.get("secret") == ["the-secret"] and form.get("response") == [GOOD]
        self._answer(200, {"success": ok, "error-codes": [] if ok else ["invalid-input-response"]})

    def _answer(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def verifier() -> Iterator[Verifier]:
    server = Verifier()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def captcha_settings(tmp: Path, model_dir: Path, verify_url: str) -> Any:
    return make_settings(
        tmp,
        model_dir,
        captcha_provider="turnstile",
        captcha_site_key="the-site-key",
        captcha_secret="the-secret",
        captcha_verify_url=verify_url,
    )


@pytest.fixture(scope="module")
def captcha_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, verifier: Verifier
) -> Iterator[LiveServer]:
    settings = captcha_settings(tmp_path_factory.mktemp("captcha"), model_dir, verifier.url)
    with embedded_server(settings) as live:
        yield live


def post(
    client: httpx.Client, headers: dict[str, str] | None = None, /, **fields: str
) -> httpx.Response:
    with SMALL.open("rb") as handle:
        return client.post(
            "/api/v1/uploads",
            files={"file": ("a.jpg", handle)},
            data={"factor": "2x", **fields},
            headers=headers or {},
        )


def test_anonymous_uploads_need_an_accepted_token(
    captcha_server: LiveServer, verifier: Verifier
) -> None:
    with captcha_server.client() as client:
        missing = post(client)
        assert missing.status_code == 400
        assert missing.json()["error"]["code"] == "captcha_failed"
        assert missing.json()["error"]["fields"][0]["field"] == "captcha_token"
        wrong = post(client, captcha_token="a-forged-token")
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "captcha_failed"
        good = post(client, captcha_token=GOOD)
        assert good.status_code == 202, good.text
        # The page's widget sends the provider's own field name: also taken.
        widget = post(client, **{"cf-turnstile-response": GOOD})
        assert widget.status_code == 202, widget.text
        with SMALL.open("rb") as one:
            batch = client.post(
                "/api/v1/batches", files=[("file", ("a.jpg", one))], data={"factor": "2x"}
            )
        assert batch.status_code == 400 and batch.json()["error"]["code"] == "captcha_failed"
    checked = verifier.seen[-1]
    assert checked["secret"] == ["the-secret"] and checked["response"] == [GOOD]
    assert checked["remoteip"] == ["127.0.0.1"]


def test_accounts_need_no_captcha(captcha_server: LiveServer, verifier: Verifier) -> None:
    with captcha_server.client() as client:
        username, password = create_user(client, admin_token(client))
        token = api_login(client, username, password)["access_token"]
        key = client.post("/api/v1/me/api-keys", headers=bearer(token), json={"name": "ci"}).json()[
            "key"
        ]
        before = len(verifier.seen)
        assert post(client, bearer(key)).status_code == 202
        assert len(verifier.seen) == before  # the provider was not even asked


def test_the_page_shows_the_widget_and_lets_its_script_in(captcha_server: LiveServer) -> None:
    with captcha_server.client() as client:
        page = client.get("/")
    assert 'class="cf-turnstile"' in page.text and 'data-sitekey="the-site-key"' in page.text
    assert "https://challenges.cloudflare.com/turnstile/v0/api.js" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://challenges.cloudflare.com" in csp
    assert "frame-src https://challenges.cloudflare.com" in csp


def test_an_unreachable_provider_is_a_503(tmp_path: Path, model_dir: Path) -> None:
    # Held refused: a port merely found free once was handed to the server
    # under test, which then answered its own verification with a 404.
    with refused_port() as port:
        nowhere = f"http://127.0.0.1:{port}/siteverify"
        settings = captcha_settings(tmp_path, model_dir, nowhere)
        with embedded_server(settings) as live, live.client() as client:
            response = post(client, captcha_token=GOOD)
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_a_provider_answering_an_error_status_is_a_503_not_a_refusal(
    tmp_path: Path, model_dir: Path, verifier: Verifier
) -> None:
    broken = verifier.url.replace("/siteverify", BROKEN_PATH)
    settings = captcha_settings(tmp_path, model_dir, broken)
    with embedded_server(settings) as live, live.client() as client:
        response = post(client, captcha_token=GOOD)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    assert "Retry-After" in response.headers
