"""The estimate arithmetic: cost per pixel x pixels / measured speed, inferred
speeds, defaults, a worker's smoothed measurement and the job deadline."""

from __future__ import annotations

import pytest

from upscaler.catalog.cost import UNKNOWN_MACS_PER_PIXEL, is_heavy, macs_per_pixel
from upscaler.contracts import Queue
from upscaler.db.tables import Model
from upscaler.jobs.cost import (
    DEFAULT_MACS_PER_SECOND,
    FIXED_OVERHEAD_SECONDS,
    PoolSpeed,
    WorkerSpeed,
    job_timeout_seconds,
)
from upscaler_worker.inference.installed import InstalledModel
from upscaler_worker.models_sync import cost_details
from upscaler_worker.throughput import expected_seconds, with_measurement

X4PLUS, FAST, ANIME = "RealESRGAN_x4plus", "realesrgan-x4fast", "realesr-animevideov3"
COSTS = {X4PLUS: 17.9e6, FAST: 1.2e6, ANIME: 0.62e6}


def model(name: str, **details: object) -> Model:
    return Model(name=name, artifact_path=f"{name}.onnx", details=details)


def test_measured_speed_gives_the_run_time() -> None:
    pool = PoolSpeed(Queue.CPU, (WorkerSpeed({ANIME: 500_000.0}),), COSTS)
    assert pool.run_seconds(ANIME, 2_000_000) == pytest.approx(FIXED_OVERHEAD_SECONDS + 4)


def test_an_unmeasured_model_is_scaled_by_its_cost() -> None:
    # 500 kpx/s on a 0.62 M MAC/px network is 310 GMAC/s; x4plus costs 29x more.
    worker = WorkerSpeed({ANIME: 500_000.0})
    assert worker.macs_per_second(COSTS) == pytest.approx(310e9)
    assert worker.for_model(X4PLUS, COSTS) == pytest.approx(310e9 / 17.9e6)


def test_a_pool_without_measurements_uses_the_conservative_default() -> None:
    empty = PoolSpeed(Queue.CPU, (), COSTS)
    fresh = PoolSpeed(Queue.CPU, (WorkerSpeed({}),), COSTS)
    expected = DEFAULT_MACS_PER_SECOND[Queue.CPU] / COSTS[X4PLUS]
    assert empty.pixels_per_second(X4PLUS) == pytest.approx(expected)
    assert fresh.pixels_per_second(X4PLUS) == pytest.approx(expected)
    assert PoolSpeed(Queue.GPU).pixels_per_second("unknown") == pytest.approx(
        DEFAULT_MACS_PER_SECOND[Queue.GPU] / UNKNOWN_MACS_PER_PIXEL
    )


def test_the_pool_speed_is_the_median_worker_and_work_spreads_over_workers() -> None:
    workers = tuple(WorkerSpeed({ANIME: rate}) for rate in (100_000.0, 200_000.0, 900_000.0))
    pool = PoolSpeed(Queue.CPU, workers, COSTS)
    assert pool.pixels_per_second(ANIME) == 200_000.0
    assert pool.parallelism == 3
    assert pool.pixels_within(ANIME, FIXED_OVERHEAD_SECONDS + 10) == 2_000_000


def test_cost_and_heaviness_come_from_the_model_row() -> None:
    assert macs_per_pixel(model(X4PLUS, macs_per_pixel=17_926_848)) == 17_926_848
    assert macs_per_pixel(model("uploaded")) == UNKNOWN_MACS_PER_PIXEL
    assert is_heavy(model(X4PLUS, macs_per_pixel=17_926_848))
    assert is_heavy(model("x", macs_per_pixel=1e6, gpu_recommended=True))
    assert not is_heavy(model(FAST, macs_per_pixel=1_209_024))


def test_installed_models_get_their_architecture_cost() -> None:
    x4plus = InstalledModel(
        name=X4PLUS,
        file="x.onnx",
        scale=4,
        arch="RRDBNet",
        arch_params={"num_block": 23, "scale": 4},
        gpu_recommended=True,
    )
    anime = InstalledModel(
        name=ANIME, file="a.onnx", scale=4, arch="SRVGGNetCompact", arch_params={"num_conv": 16}
    )
    heavy, light = cost_details(x4plus), cost_details(anime)
    assert heavy == {"gpu_recommended": True, "macs_per_pixel": 17_926_848}
    assert light["macs_per_pixel"] == 619_200
    assert round(int(heavy["macs_per_pixel"]) / int(light["macs_per_pixel"])) == 29  # type: ignore[call-overload]


def test_a_worker_smooths_its_measurements_per_base_model() -> None:
    variant = Model(
        name="general-denoise-low", artifact_path="v.onnx", default_params={"variant_of": FAST}
    )
    first = with_measurement({}, variant, 1_000_000, 2.0)
    assert first == {FAST: {"pixels_per_second": 500_000.0, "jobs": 1}}
    second = with_measurement(first, model(FAST), 1_000_000, 1.0)
    assert second[FAST] == {"pixels_per_second": 650_000.0, "jobs": 2}


def test_the_deadline_scales_with_the_expected_time_under_the_cap() -> None:
    assert job_timeout_seconds(5, 1800) == 60  # the floor
    assert job_timeout_seconds(100, 1800) == 400  # 4x the expectation
    assert job_timeout_seconds(1000, 1800) == 1800  # the configured cap
    assert job_timeout_seconds(5, 1) == 1
    measured = {ANIME: {"pixels_per_second": 100_000.0, "jobs": 3}}
    seconds = expected_seconds(measured, "CPUExecutionProvider", model(X4PLUS), 100_000, COSTS)
    assert seconds == pytest.approx(FIXED_OVERHEAD_SECONDS + 100_000 / (62e9 / 17.9e6))
