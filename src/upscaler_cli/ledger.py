"""What a run has started, kept beside the results so a rerun resumes.

`<out>/.upscaler-jobs.json` maps each result (relative to the output folder) to
the job that makes it and a fingerprint of what was asked (server, source
bytes, options). A rerun whose result is missing follows that job again
instead of uploading the file a second time; a changed source or option makes
a new job. Written whole to a temporary file and renamed, so an interruption
never leaves it half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

LEDGER_NAME = ".upscaler-jobs.json"
VERSION = 1


def fingerprint(source: Path, **asked: Any) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps(asked, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Ledger:
    def __init__(self, out: Path) -> None:
        self.path = out / LEDGER_NAME
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, str]] = {}
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            document = {}
        if isinstance(document, dict) and document.get("version") == VERSION:
            self._entries = dict(document.get("items", {}))

    def job_for(self, key: str, print_: str) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry and entry.get("fingerprint") == print_:
            return entry.get("job_id")
        return None

    def record(self, key: str, print_: str, job_id: str) -> None:
        with self._lock:
            self._entries[key] = {"job_id": job_id, "fingerprint": print_}
            self._save()

    def forget(self, key: str) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        document = {"version": VERSION, "items": self._entries}
        temporary.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)
