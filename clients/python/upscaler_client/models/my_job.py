from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MyJob")


@_attrs_define
class MyJob:
    """
    Attributes:
        batch_id (None | str):
        created_at (datetime.datetime):
        filename (str):
        job_id (str):
        model (None | str):
        page_url (str):
        status (str):
        status_url (str):
    """

    batch_id: None | str
    created_at: datetime.datetime
    filename: str
    job_id: str
    model: None | str
    page_url: str
    status: str
    status_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batch_id: None | str
        batch_id = self.batch_id

        created_at = self.created_at.isoformat()

        filename = self.filename

        job_id = self.job_id

        model: None | str
        model = self.model

        page_url = self.page_url

        status = self.status

        status_url = self.status_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch_id": batch_id,
                "created_at": created_at,
                "filename": filename,
                "job_id": job_id,
                "model": model,
                "page_url": page_url,
                "status": status,
                "status_url": status_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_batch_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        filename = d.pop("filename")

        job_id = d.pop("job_id")

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        page_url = d.pop("page_url")

        status = d.pop("status")

        status_url = d.pop("status_url")

        my_job = cls(
            batch_id=batch_id,
            created_at=created_at,
            filename=filename,
            job_id=job_id,
            model=model,
            page_url=page_url,
            status=status,
            status_url=status_url,
        )

        my_job.additional_properties = d
        return my_job

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
