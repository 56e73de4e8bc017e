"""compose.yaml can't be started here (no Docker engine), so its promises are
checked as data: every part present, health-gated start order, restart
policies, secrets that fail fast, and a GPU worker behind a profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    return dict(document["services"])


def test_every_part_is_there(services: dict[str, Any]) -> None:
    assert {
        "api",
        "worker",
        "gpu-worker",
        "redis",
        "postgres",
        "minio",
        "migrate",
        "models",
    } <= set(services)


def test_long_running_services_have_healthchecks_and_restart(services: dict[str, Any]) -> None:
    for name in ("api", "worker", "gpu-worker", "redis", "postgres", "minio"):
        service = services[name]
        assert "healthcheck" in service, name
        assert service["restart"] in ("unless-stopped", "always"), name
    for one_shot in ("migrate", "models"):
        assert services[one_shot]["restart"] == "no"


def test_start_order_waits_for_health(services: dict[str, Any]) -> None:
    api = services["api"]["depends_on"]
    assert api["migrate"]["condition"] == "service_completed_successfully"
    assert api["redis"]["condition"] == "service_healthy"
    worker = services["worker"]["depends_on"]
    assert worker["models"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_required_secrets_fail_fast() -> None:
    text = COMPOSE.read_text()
    for variable in ("UPSCALER_SECRET_KEY", "UPSCALER_ADMIN_SEED_PASS", "POSTGRES_PASSWORD",
                     "S3_ACCESS_KEY", "S3_SECRET_KEY"):  # fmt: skip
        assert re.search(r"\$\{" + variable + r":\?[^}]+\}", text), variable
    assert "UPSCALER_ENV: production" in text  # and production refuses weak secrets


def test_gpu_worker_is_opt_in_and_reserves_a_gpu(services: dict[str, Any]) -> None:
    gpu = services["gpu-worker"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia"
    assert "gpu" in devices[0]["capabilities"]
    assert "--queues" in gpu["command"]
    assert gpu["command"][gpu["command"].index("--queues") + 1] == "gpu"


def test_dockerfile_has_every_target() -> None:
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text()
    for target in ("runtime", "models", "gpu"):
        assert re.search(rf"^FROM .+ AS {target}$", dockerfile, re.MULTILINE), target
