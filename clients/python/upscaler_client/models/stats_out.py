from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StatsOut")


@_attrs_define
class StatsOut:
    """
    Attributes:
        average_seconds (float | None):
        completed_today (int):
        failed_today (int):
        generated_at (datetime.datetime):
        maintenance_message (str):
        maintenance_mode (bool):
        queue_paused (bool):
        queued (int):
        running (int):
        storage_bytes (int | None):
        workers_known (int):
        workers_online (int):
    """

    average_seconds: float | None
    completed_today: int
    failed_today: int
    generated_at: datetime.datetime
    maintenance_message: str
    maintenance_mode: bool
    queue_paused: bool
    queued: int
    running: int
    storage_bytes: int | None
    workers_known: int
    workers_online: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        average_seconds: float | None
        average_seconds = self.average_seconds

        completed_today = self.completed_today

        failed_today = self.failed_today

        generated_at = self.generated_at.isoformat()

        maintenance_message = self.maintenance_message

        maintenance_mode = self.maintenance_mode

        queue_paused = self.queue_paused

        queued = self.queued

        running = self.running

        storage_bytes: int | None
        storage_bytes = self.storage_bytes

        workers_known = self.workers_known

        workers_online = self.workers_online

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "average_seconds": average_seconds,
                "completed_today": completed_today,
                "failed_today": failed_today,
                "generated_at": generated_at,
                "maintenance_message": maintenance_message,
                "maintenance_mode": maintenance_mode,
                "queue_paused": queue_paused,
                "queued": queued,
                "running": running,
                "storage_bytes": storage_bytes,
                "workers_known": workers_known,
                "workers_online": workers_online,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_average_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        average_seconds = _parse_average_seconds(d.pop("average_seconds"))

        completed_today = d.pop("completed_today")

        failed_today = d.pop("failed_today")

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        maintenance_message = d.pop("maintenance_message")

        maintenance_mode = d.pop("maintenance_mode")

        queue_paused = d.pop("queue_paused")

        queued = d.pop("queued")

        running = d.pop("running")

        def _parse_storage_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        storage_bytes = _parse_storage_bytes(d.pop("storage_bytes"))

        workers_known = d.pop("workers_known")

        workers_online = d.pop("workers_online")

        stats_out = cls(
            average_seconds=average_seconds,
            completed_today=completed_today,
            failed_today=failed_today,
            generated_at=generated_at,
            maintenance_message=maintenance_message,
            maintenance_mode=maintenance_mode,
            queue_paused=queue_paused,
            queued=queued,
            running=running,
            storage_bytes=storage_bytes,
            workers_known=workers_known,
            workers_online=workers_online,
        )

        stats_out.additional_properties = d
        return stats_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
