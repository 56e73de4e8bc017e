"""An embedded service with SMTP (the shared aiosmtpd) for the account tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import LiveServer, embedded_server, make_settings
from tests.notifications.support import SMTPServer


@pytest.fixture(scope="module")
def mail_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, smtp_server: SMTPServer
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("accounts"),
        model_dir,
        smtp_url=smtp_server.url,
        smtp_starttls=False,
        mail_from="Upscaler <upscaler@example.test>",
    )
    with embedded_server(settings) as live:
        yield live
