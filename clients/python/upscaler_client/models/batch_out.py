from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_status import BatchStatus

if TYPE_CHECKING:
    from ..models.batch_counts import BatchCounts
    from ..models.batch_job import BatchJob
    from ..models.rejected_entry import RejectedEntry


T = TypeVar("T", bound="BatchOut")


@_attrs_define
class BatchOut:
    """
    Attributes:
        batch_id (str):
        counts (BatchCounts):
        created_at (datetime.datetime):
        download_url (str):
        events_url (str):
        jobs (list[BatchJob]):
        page_url (str):
        progress (int):
        rejected (list[RejectedEntry]):
        status (BatchStatus):
        status_url (str):
        total (int):
    """

    batch_id: str
    counts: BatchCounts
    created_at: datetime.datetime
    download_url: str
    events_url: str
    jobs: list[BatchJob]
    page_url: str
    progress: int
    rejected: list[RejectedEntry]
    status: BatchStatus
    status_url: str
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batch_id = self.batch_id

        counts = self.counts.to_dict()

        created_at = self.created_at.isoformat()

        download_url = self.download_url

        events_url = self.events_url

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        page_url = self.page_url

        progress = self.progress

        rejected = []
        for rejected_item_data in self.rejected:
            rejected_item = rejected_item_data.to_dict()
            rejected.append(rejected_item)

        status = self.status.value

        status_url = self.status_url

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch_id": batch_id,
                "counts": counts,
                "created_at": created_at,
                "download_url": download_url,
                "events_url": events_url,
                "jobs": jobs,
                "page_url": page_url,
                "progress": progress,
                "rejected": rejected,
                "status": status,
                "status_url": status_url,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_counts import BatchCounts  # noqa: PLC0415
        from ..models.batch_job import BatchJob  # noqa: PLC0415
        from ..models.rejected_entry import RejectedEntry  # noqa: PLC0415

        d = dict(src_dict)
        batch_id = d.pop("batch_id")

        counts = BatchCounts.from_dict(d.pop("counts"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        download_url = d.pop("download_url")

        events_url = d.pop("events_url")

        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = BatchJob.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        page_url = d.pop("page_url")

        progress = d.pop("progress")

        rejected = []
        _rejected = d.pop("rejected")
        for rejected_item_data in _rejected:
            rejected_item = RejectedEntry.from_dict(rejected_item_data)

            rejected.append(rejected_item)

        status = BatchStatus(d.pop("status"))

        status_url = d.pop("status_url")

        total = d.pop("total")

        batch_out = cls(
            batch_id=batch_id,
            counts=counts,
            created_at=created_at,
            download_url=download_url,
            events_url=events_url,
            jobs=jobs,
            page_url=page_url,
            progress=progress,
            rejected=rejected,
            status=status,
            status_url=status_url,
            total=total,
        )

        batch_out.additional_properties = d
        return batch_out

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
