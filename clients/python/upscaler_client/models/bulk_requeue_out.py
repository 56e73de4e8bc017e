from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.requeued_pair import RequeuedPair


T = TypeVar("T", bound="BulkRequeueOut")


@_attrs_define
class BulkRequeueOut:
    """
    Attributes:
        count (int):
        jobs (list[RequeuedPair]):
    """

    count: int
    jobs: list[RequeuedPair]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.requeued_pair import RequeuedPair  # noqa: PLC0415

        d = dict(src_dict)
        count = d.pop("count")

        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = RequeuedPair.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        bulk_requeue_out = cls(
            count=count,
            jobs=jobs,
        )

        bulk_requeue_out.additional_properties = d
        return bulk_requeue_out

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
