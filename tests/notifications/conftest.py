"""Fixtures of the notification tests: the HTTP receiver and the SMTP server
on loopback, and embedded servers set up for notifications (the parts
themselves are in support.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import LiveServer
from tests.notifications.support import (
    Receiver,
    SMTPServer,
    notify_embedded,
    receiver_handler,
)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver_handler(ref))
    ref.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ref[0]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def notify_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, smtp_server: SMTPServer
) -> Iterator[LiveServer]:
    """Private targets allowed (the receiver is on loopback), SMTP configured."""
    with notify_embedded(
        tmp_path_factory.mktemp("notify"),
        model_dir,
        webhook_allow_private=True,
        smtp_url=smtp_server.url,
        smtp_starttls=False,
        mail_from="Upscaler <upscaler@example.test>",
    ) as live:
        yield live


@pytest.fixture(scope="module")
def strict_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path
) -> Iterator[LiveServer]:
    """The defaults: private targets refused, no SMTP."""
    with notify_embedded(tmp_path_factory.mktemp("strict"), model_dir) as live:
        yield live
