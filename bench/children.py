"""A benchmark's measuring child: a fresh process (its memory is its own)
that allocates as a worker process does (one malloc arena, see
``upscaler_worker.arenas``) and answers with one JSON line, its last."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from upscaler_worker.arenas import one_arena_environment


def run_child(command: list[str], timeout: float) -> Any:
    """Run ``command`` and return its last line of output, parsed."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env=one_arena_environment(),
        timeout=timeout,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
