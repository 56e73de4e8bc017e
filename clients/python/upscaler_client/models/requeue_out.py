from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.requeue_out_params import RequeueOutParams


T = TypeVar("T", bound="RequeueOut")


@_attrs_define
class RequeueOut:
    """
    Attributes:
        job_id (str):
        model (None | str):
        params (RequeueOutParams):
        requeued_from (str):
        status (JobStatus):
    """

    job_id: str
    model: None | str
    params: RequeueOutParams
    requeued_from: str
    status: JobStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        model: None | str
        model = self.model

        params = self.params.to_dict()

        requeued_from = self.requeued_from

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "model": model,
                "params": params,
                "requeued_from": requeued_from,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.requeue_out_params import RequeueOutParams  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        params = RequeueOutParams.from_dict(d.pop("params"))

        requeued_from = d.pop("requeued_from")

        status = JobStatus(d.pop("status"))

        requeue_out = cls(
            job_id=job_id,
            model=model,
            params=params,
            requeued_from=requeued_from,
            status=status,
        )

        requeue_out.additional_properties = d
        return requeue_out

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
