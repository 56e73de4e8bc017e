"""The audit log: every admin action (who, what, on which entity, details,
from which address, when), searchable and exportable as CSV."""

from upscaler.audit.service import Actor, record

__all__ = ["Actor", "record"]
