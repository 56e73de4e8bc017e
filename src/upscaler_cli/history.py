"""The jobs this user's `upscaler up` started, for `upscaler jobs` (jobs are
anonymous: a server lists them only to an admin).

One JSON line per job in `$UPSCALER_CLI_STATE/jobs.jsonl`, by default
`$XDG_STATE_HOME/upscaler/` (`~/.local/state/upscaler/`).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    server: str
    job_id: str
    file: str
    submitted_at: str


def state_dir() -> Path:
    if explicit := os.environ.get("UPSCALER_CLI_STATE"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "upscaler"


def remember(server: str, job_id: str, file: Path) -> None:
    entry = Entry(server, job_id, str(file), datetime.now(UTC).isoformat(timespec="seconds"))
    folder = state_dir()
    with _lock:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "jobs.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(entry)) + "\n")


def recent(server: str, limit: int) -> list[Entry]:
    """The newest `limit` jobs started against `server`, newest first."""
    try:
        lines = (state_dir() / "jobs.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries: list[Entry] = []
    for line in reversed(lines):
        try:
            entry = Entry(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a line cut short by a crash
        if entry.server == server:
            entries.append(entry)
            if len(entries) >= limit:
                break
    return entries
