"""Reading a server-sent-events stream (the generated client returns whole
bodies, so the CLI reads `/events` with the client's own httpx connection)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    kind: str
    data: dict[str, Any]


def parse_events(lines: Iterable[str]) -> Iterator[Event]:
    """Events from the stream's lines (comments and `retry:` ignored)."""
    kind, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield Event(kind, json.loads("\n".join(data)))
            kind, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data.append(value)
