from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueueInfo")


@_attrs_define
class QueueInfo:
    """
    Attributes:
        queued_jobs (int):
        running_jobs (int):
        seconds_per_megapixel (float): a typical worker's time per input megapixel on the default model
    """

    queued_jobs: int
    running_jobs: int
    seconds_per_megapixel: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queued_jobs = self.queued_jobs

        running_jobs = self.running_jobs

        seconds_per_megapixel = self.seconds_per_megapixel

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "queued_jobs": queued_jobs,
                "running_jobs": running_jobs,
                "seconds_per_megapixel": seconds_per_megapixel,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        queued_jobs = d.pop("queued_jobs")

        running_jobs = d.pop("running_jobs")

        seconds_per_megapixel = d.pop("seconds_per_megapixel")

        queue_info = cls(
            queued_jobs=queued_jobs,
            running_jobs=running_jobs,
            seconds_per_megapixel=seconds_per_megapixel,
        )

        queue_info.additional_properties = d
        return queue_info

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
