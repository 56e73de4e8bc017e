"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("dramatiq", "aiobotocore", "botocore", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
