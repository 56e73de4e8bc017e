from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_requeue_out_skipped import BatchRequeueOutSkipped


T = TypeVar("T", bound="BatchRequeueOut")


@_attrs_define
class BatchRequeueOut:
    """
    Attributes:
        batch_id (str):
        requeued (list[str]): the new jobs' ids
        skipped (BatchRequeueOutSkipped | Unset): failed job id -> why it cannot run again
    """

    batch_id: str
    requeued: list[str]
    skipped: BatchRequeueOutSkipped | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batch_id = self.batch_id

        requeued = self.requeued

        skipped: dict[str, Any] | Unset = UNSET
        if not isinstance(self.skipped, Unset):
            skipped = self.skipped.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch_id": batch_id,
                "requeued": requeued,
            }
        )
        if skipped is not UNSET:
            field_dict["skipped"] = skipped

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_requeue_out_skipped import BatchRequeueOutSkipped  # noqa: PLC0415

        d = dict(src_dict)
        batch_id = d.pop("batch_id")

        requeued = cast(list[str], d.pop("requeued"))

        _skipped = d.pop("skipped", UNSET)
        skipped: BatchRequeueOutSkipped | Unset
        if isinstance(_skipped, Unset):
            skipped = UNSET
        else:
            skipped = BatchRequeueOutSkipped.from_dict(_skipped)

        batch_requeue_out = cls(
            batch_id=batch_id,
            requeued=requeued,
            skipped=skipped,
        )

        batch_requeue_out.additional_properties = d
        return batch_requeue_out

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
