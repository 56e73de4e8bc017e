"""Real parts for the notification tests: an HTTP receiver on loopback that
records what it is sent and answers as a test scripts it, an SMTP mailbox
(for aiosmtpd), embedded servers set up for notifications, and waiting for a
job's notification. The fixtures that start them are in conftest.py."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.smtp import AuthResult, LoginPassword
from PIL import Image

from tests.helpers import TEST_TILE_SIZE, LiveServer, embedded_server, make_settings

#: Links in events and e-mails are built on this base (UPSCALER_PUBLIC_BASE_URL);
#: tests swap it for the live server's address to follow them.
PUBLIC_BASE = "https://upscaler.example"
SMTP_USER, SMTP_PASSWORD = "mailer", "s3cret pass"
#: What every server here is given, so retries come quickly.
FAST_RETRIES: dict[str, Any] = {
    "notify_backoff_seconds": 0.2,
    "notify_max_attempts": 3,
    "webhook_timeout_seconds": 2,
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A threaded http.server on 127.0.0.1. `script(path, *statuses)` sets
    the answers for a path in turn (200 once they are used up); a status of
    302 redirects to /landing."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *statuses: int) -> str:
        with self.lock:
            self.answers[path] = list(statuses)
        return self.url(path)

    def next_status(self, path: str) -> int:
        with self.lock:
            queue = self.answers.get(path) or []
            return queue.pop(0) if queue else 200

    def received(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.received(path))} requests, expected {count}")


def receiver_handler(receiver_ref: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _record(self) -> Receiver:
            receiver = receiver_ref[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
            return receiver

        def do_POST(self) -> None:
            receiver = self._record()
            status = receiver.next_status(self.path)
            self.send_response(status)
            if status in (301, 302, 303, 307, 308):
                self.send_header("Location", receiver.url("/landing"))
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_GET(self) -> None:  # what a followed redirect would send
            self.do_POST()

    return Handler


@dataclass
class Mailbox:
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, timeout: float = 30) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for recipients, message in self.messages:
                if recipient in recipients:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no message to {recipient}")


@dataclass
class SMTPServer:
    mailbox: Mailbox
    port: int

    @property
    def url(self) -> str:
        return f"smtp://{SMTP_USER}:{SMTP_PASSWORD.replace(' ', '%20')}@127.0.0.1:{self.port}"


def smtp_authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
    ok = (
        isinstance(auth, LoginPassword)
        and auth.login == SMTP_USER.encode()
        and auth.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


@contextlib.contextmanager
def notify_embedded(data_dir: Path, model_dir: Path, **overrides: Any) -> Iterator[LiveServer]:
    settings = make_settings(
        data_dir,
        model_dir,
        tile_size=TEST_TILE_SIZE,
        public_base_url=PUBLIC_BASE,
        **(FAST_RETRIES | overrides),
    )
    with embedded_server(settings) as live:
        live.settings = settings  # type: ignore[attr-defined]
        yield live


def wait_for_notification(
    client: httpx.Client,
    job_id: str,
    kind: str,
    *,
    until: Callable[[dict[str, Any]], bool] | None = None,
    timeout: float = 60,
) -> dict[str, Any]:
    """The job's notification of this kind once it has ended (or `until` holds)."""
    done = until or (lambda n: n["status"] in ("delivered", "failed"))
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        for notification in job.get("notifications", []):
            if notification["kind"] == kind and done(notification):
                found: dict[str, Any] = notification
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{kind} notification of {job_id}: {job.get('notifications')}")
        time.sleep(0.1)


def big_png(path: Path, side: int = 1200) -> Path:
    """A large, flat image: quick to send, far too many tiles to upscale in a second."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (90, 120, 150)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path
