from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadAccepted")


@_attrs_define
class UploadAccepted:
    """
    Attributes:
        created_at (datetime.datetime):
        estimated_seconds (int):
        events_url (str):
        job_id (str):
        status_url (str):
        status (JobStatus | Unset):
    """

    created_at: datetime.datetime
    estimated_seconds: int
    events_url: str
    job_id: str
    status_url: str
    status: JobStatus | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        estimated_seconds = self.estimated_seconds

        events_url = self.events_url

        job_id = self.job_id

        status_url = self.status_url

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "estimated_seconds": estimated_seconds,
                "events_url": events_url,
                "job_id": job_id,
                "status_url": status_url,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        estimated_seconds = d.pop("estimated_seconds")

        events_url = d.pop("events_url")

        job_id = d.pop("job_id")

        status_url = d.pop("status_url")

        _status = d.pop("status", UNSET)
        status: JobStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = JobStatus(_status)

        upload_accepted = cls(
            created_at=created_at,
            estimated_seconds=estimated_seconds,
            events_url=events_url,
            job_id=job_id,
            status_url=status_url,
            status=status,
        )

        upload_accepted.additional_properties = d
        return upload_accepted

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
