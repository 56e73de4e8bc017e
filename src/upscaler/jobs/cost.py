"""How long a model takes on an image, from what it costs and how fast workers run it.

A model's cost is its multiply-accumulates per input pixel (from its
architecture, recorded in the models table by the worker that installed it;
read by `upscaler.catalog.cost`).
A worker's speed is what it measured on the jobs it ran: input pixels per
second per model. A worker that has not run a model yet is assumed to reach
the same MAC/s on it as on the models it has run; a pool none of whose
workers has measured anything uses a deliberately low default.

One network pass is the whole cost whatever the factor: a 4x model asked for
2x runs at 4x and its output is resized, so the factor does not enter here.

Pure arithmetic; the database reads are in `upscaler.jobs.estimate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from upscaler.catalog.cost import UNKNOWN_MACS_PER_PIXEL
from upscaler.contracts import Queue
from upscaler.db.tables import Model

#: MAC/s assumed for a pool with no measurement at all. Low on purpose (the
#: old 40 s per megapixel of realesr-animevideov3 is ~15 GMAC/s): an estimate
#: that is too long only delays nothing, one that is too short admits a job
#: that then times out. The first completed job replaces it.
DEFAULT_MACS_PER_SECOND: Mapping[Queue, float] = {Queue.CPU: 15e9, Queue.GPU: 500e9}
CPU_PROVIDER = "CPUExecutionProvider"
#: Providers that run on the CPU: OpenVINO's is one here (the worker uses its
#: CPU device for bf16), so it must not make a worker look like a GPU one.
CPU_PROVIDERS = frozenset({CPU_PROVIDER, "OpenVINOExecutionProvider"})
#: Per job whatever its size: claim, download, model load, store, notify.
FIXED_OVERHEAD_SECONDS = 2.0
#: A job's own deadline: TIMEOUT_MARGIN x its expected time, at least the
#: floor, at most the configured job_timeout_seconds.
TIMEOUT_FLOOR_SECONDS = 60.0
TIMEOUT_MARGIN = 4.0


def base_name(model: Model) -> str:
    """Denoise variants are the same network with other weights: they share
    their base model's cost and measurements."""
    variant_of = model.default_params.get("variant_of")
    return str(variant_of) if variant_of else model.name


def default_macs_per_second(provider: str | None) -> float:
    """The MAC/s to assume for a worker that has measured nothing: a GPU's
    only when it runs a GPU execution provider."""
    on_cpu = provider is None or provider in CPU_PROVIDERS
    return DEFAULT_MACS_PER_SECOND[Queue.CPU if on_cpu else Queue.GPU]


def measured_rates(throughput: Mapping[str, Any]) -> dict[str, float]:
    """A Worker row's `throughput` JSON as {model: input pixels per second}."""
    rates = {}
    for name, entry in throughput.items():
        value = entry.get("pixels_per_second") if isinstance(entry, Mapping) else None
        if isinstance(value, (int, float)) and value > 0:
            rates[name] = float(value)
    return rates


@dataclass(frozen=True)
class WorkerSpeed:
    """One worker's measured input pixels per second, per model, and the MAC/s
    to assume until it has measured anything (by its kind: CPU or GPU)."""

    pixels_per_second: Mapping[str, float]
    default_macs_per_second: float = DEFAULT_MACS_PER_SECOND[Queue.CPU]

    def macs_per_second(self, costs: Mapping[str, float]) -> float:
        achieved = [
            rate * costs[name] for name, rate in self.pixels_per_second.items() if name in costs
        ]
        return median(achieved) if achieved else self.default_macs_per_second

    def for_model(self, name: str, costs: Mapping[str, float]) -> float:
        measured = self.pixels_per_second.get(name)
        if measured:
            return measured
        return self.macs_per_second(costs) / costs.get(name, UNKNOWN_MACS_PER_PIXEL)


@dataclass(frozen=True)
class PoolSpeed:
    """The workers online on one queue, and what each active model costs."""

    queue: Queue
    workers: tuple[WorkerSpeed, ...] = ()
    #: macs_per_pixel by model name (base models).
    costs: Mapping[str, float] = field(default_factory=dict)

    @property
    def parallelism(self) -> int:
        return max(1, len(self.workers))

    def pixels_per_second(self, model: str) -> float:
        """A typical worker's speed on `model` (any of them may take the job):
        the median of theirs; the pool's default when none is online."""
        if self.workers:
            return median(worker.for_model(model, self.costs) for worker in self.workers)
        return DEFAULT_MACS_PER_SECOND[self.queue] / self.costs.get(model, UNKNOWN_MACS_PER_PIXEL)

    def run_seconds(self, model: str, pixels: int) -> float:
        """How long one job of `pixels` input pixels runs, start to finish."""
        return FIXED_OVERHEAD_SECONDS + pixels / self.pixels_per_second(model)

    def pixels_within(self, model: str, seconds: float) -> int:
        """The largest input that runs within `seconds` (0 when none does)."""
        return max(0, int((seconds - FIXED_OVERHEAD_SECONDS) * self.pixels_per_second(model)))


def job_timeout_seconds(expected_seconds: float, limit: int) -> float:
    """The deadline a worker gives a job: generous against a slow start or a
    loaded host (4x the expectation, at least a minute), never past the
    configured limit."""
    return min(float(limit), max(TIMEOUT_FLOOR_SECONDS, TIMEOUT_MARGIN * expected_seconds))
