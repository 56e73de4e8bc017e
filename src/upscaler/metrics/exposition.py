"""The database snapshot as Prometheus metrics (a collector built per scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from upscaler.metrics.snapshot import DURATION_BUCKETS, WAIT_BUCKETS, Histogram, Snapshot


def _buckets(histogram: Histogram, bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    names = [*(repr(float(b)) for b in bounds), "+Inf"]
    return list(zip(names, map(float, histogram.buckets), strict=True))


class SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        snap = self.snapshot
        jobs = GaugeMetricFamily(
            "upscaler_jobs", "Jobs on record, by status, model and provider",
            labels=["status", "model", "provider"],
        )  # fmt: skip
        for (status, model, provider), count in sorted(snap.jobs.items()):
            jobs.add_metric([status, model, provider], count)
        yield jobs

        durations = HistogramMetricFamily(
            "upscaler_job_duration_seconds", "Run time of completed jobs",
            labels=["model", "provider"],
        )  # fmt: skip
        for (model, provider), histogram in sorted(snap.durations.items()):
            durations.add_metric(
                [model, provider], _buckets(histogram, DURATION_BUCKETS), histogram.total
            )
        yield durations

        waits = HistogramMetricFamily(
            "upscaler_job_queue_wait_seconds", "From enqueued to started, by queue",
            labels=["queue"],
        )  # fmt: skip
        for queue, histogram in sorted(snap.waits.items()):
            waits.add_metric([queue], _buckets(histogram, WAIT_BUCKETS), histogram.total)
        yield waits

        queued = GaugeMetricFamily(
            "upscaler_queue_length", "Jobs waiting, by queue", labels=["queue"]
        )
        for queue, count in sorted(snap.queued.items()):
            queued.add_metric([queue], count)
        yield queued

        online = GaugeMetricFamily("upscaler_workers_online", "Workers heard from recently")
        online.add_metric([], sum(1 for w in snap.workers if w.online))
        yield online
        age = GaugeMetricFamily(
            "upscaler_worker_heartbeat_age_seconds", "Seconds since each worker's last heartbeat",
            labels=["worker", "hostname"],
        )  # fmt: skip
        busy = GaugeMetricFamily(
            "upscaler_worker_busy", "1 while the worker runs a job", labels=["worker"]
        )
        speed = GaugeMetricFamily(
            "upscaler_throughput_megapixels_per_second",
            "Input megapixels per second each worker measured, by model and provider",
            labels=["worker", "model", "provider"],
        )
        for worker in snap.workers:
            age.add_metric([worker.worker_id, worker.hostname], worker.heartbeat_age_seconds)
            busy.add_metric([worker.worker_id], 1.0 if worker.current_job else 0.0)
            for model, value in sorted(worker.megapixels_per_second.items()):
                speed.add_metric([worker.worker_id, model, worker.provider or ""], value)
        yield age
        yield busy
        yield speed

        deliveries = GaugeMetricFamily(
            "upscaler_notification_deliveries", "Notification deliveries, by kind and status",
            labels=["kind", "status"],
        )  # fmt: skip
        for (kind, status), count in sorted(snap.notifications.items()):
            deliveries.add_metric([kind, status], count)
        yield deliveries

        if snap.free_disk_percent is not None:
            disk = GaugeMetricFamily(
                "upscaler_free_disk_percent", "Free space where the service keeps its files"
            )
            disk.add_metric([], snap.free_disk_percent)
            yield disk


def render(snapshot: Snapshot, process: CollectorRegistry) -> bytes:
    """The text exposition: the database's figures, then this process's (or
    every API process's) own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry) + generate_latest(process)
