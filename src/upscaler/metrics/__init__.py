"""Prometheus metrics: the database's figures read per scrape (snapshot,
exposition) with each API process's own counters (upscaler.telemetry), served
by GET /metrics (endpoint)."""
