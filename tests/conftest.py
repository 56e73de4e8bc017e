"""Fixtures shared by more than one test folder: real services, a real model,
real servers. A fixture that one folder alone uses lives in that folder's
conftest.py; helpers (plain functions and classes) live in tests/helpers.py
or a folder's support.py, never in a conftest.py or a test module.

- PostgreSQL and Redis are the machine's own (DATABASE_URL / REDIS_URL, with
  the local defaults); each test run makes a fresh PostgreSQL database.
- The model is the official realesr-animevideov3 from the mirror, exported to
  ONNX by the project's own pipeline once per session.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.admin.support import AdminServer, admin_token, start_admin_server
from tests.helpers import (
    IMAGES,
    MODEL_MIRROR,
    REDIS_URL,
    TEST_MODEL,
    LiveServer,
    MotoS3,
    RedisServer,
    embedded_server,
    flush_redis_namespace,
    free_port,
    fresh_postgres_database,
    imread,
    make_settings,
)
from tests.notifications.support import Mailbox, SMTPServer, smtp_authenticator
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.migrate import upgrade_to_head

# -- the model ---------------------------------------------------------------


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """realesr-animevideov3 installed through `make models`' own code path."""
    from upscaler_worker.export.make_models import run
    from upscaler_worker.export.manifest import load_manifest

    directory = tmp_path_factory.mktemp("models")
    report = run(
        model_dir=directory, mirror=MODEL_MIRROR, manifest=load_manifest(), only=[TEST_MODEL]
    )
    assert (directory / f"{TEST_MODEL}.onnx").is_file(), report
    return directory


#: Every model `make models` installs here (tests/../shared/models has no
#: official .pth for the others): the photo models from their ncnn files.
EVERY_MODEL = [
    "RealESRGAN_x4plus",
    "RealESRGAN_x4plus_anime_6B",
    "realesrgan-x4fast",
    TEST_MODEL,
]


@pytest.fixture(scope="session")
def long_job_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1344x1280 PNG, OST_009 three across and two down: 420 of the suite's
    64-pixel tiles. The photo alone (70 tiles) ran in 0.4 s on an AMX Xeon
    with OpenVINO bf16, less than one progress interval (0.5 s), too short to
    watch progress rise or to cancel or kill a job in the middle; this one
    took 2.6-3.3 s there."""
    photo = imread(IMAGES / "realesrgan" / "OST_009.png", cv2.IMREAD_COLOR)
    path = tmp_path_factory.mktemp("long-job") / "long-job.png"
    cv2.imwrite(str(path), np.concatenate([np.concatenate([photo] * 3, axis=1)] * 2, axis=0))
    return path


@pytest.fixture(scope="session")
def every_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four models `make models` installs, through its own code path."""
    from upscaler_worker.export.make_models import run
    from upscaler_worker.export.manifest import load_manifest

    directory = tmp_path_factory.mktemp("every-model")
    with contextlib.redirect_stdout(io.StringIO()):
        report = run(
            model_dir=directory, mirror=MODEL_MIRROR, manifest=load_manifest(), only=EVERY_MODEL
        )
    assert sorted(report.installed) == sorted(EVERY_MODEL), report
    return directory


# -- mail ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SMTPServer]:
    """aiosmtpd on loopback, requiring a login (plain text: no TLS in the
    test): the notifications' and the accounts' mail go through it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=smtp_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield SMTPServer(mailbox, port)
    controller.stop()


# -- databases ---------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One fresh PostgreSQL database for the session."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the latest schema, once per backend: SQLite (a file) and
    the machine's PostgreSQL; a test that asks for it runs on both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade_to_head(url)
    return url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


# -- services: S3 and Redis ---------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    """moto's S3 server; its test credentials are what every S3 client here uses."""
    server = MotoS3(tmp_path_factory.mktemp("moto")).start()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in MotoS3.ENV.items():
            patch.setenv(key, value)
        yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    flush_redis_namespace(REDIS_URL)
    return REDIS_URL


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, which it may stop and restart."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


# -- servers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[LiveServer]:
    """The embedded service (SQLite, local storage, in-process worker)."""
    settings = make_settings(tmp_path_factory.mktemp("data"), model_dir)
    with embedded_server(settings) as live:
        yield live


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    """A server with the seeded admin and no worker (jobs stay where tests put them)."""
    server, live = start_admin_server(tmp_path_factory.mktemp("admin"))
    with live:
        yield server


@pytest.fixture(scope="module")
def admin_client(admin_server: AdminServer) -> Iterator[httpx.Client]:
    with admin_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def token(admin_server: AdminServer, admin_client: httpx.Client) -> str:
    """A bearer token of the seeded admin, its password changed."""
    return admin_token(admin_client)
