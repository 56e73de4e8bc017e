"""Job progress events: publish from workers, subscribe from the API (SSE)."""

from upscaler.events.bus import EventBus, InProcessEventBus

__all__ = ["EventBus", "InProcessEventBus"]
