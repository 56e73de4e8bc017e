from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UsageOut")


@_attrs_define
class UsageOut:
    """
    Attributes:
        daily_quota (int):
        input_megapixels_this_month (float):
        jobs_this_month (int):
        jobs_today (int):
        monthly_megapixels_quota (float):
        plan (str):
        resets_at (datetime.datetime):
    """

    daily_quota: int
    input_megapixels_this_month: float
    jobs_this_month: int
    jobs_today: int
    monthly_megapixels_quota: float
    plan: str
    resets_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        daily_quota = self.daily_quota

        input_megapixels_this_month = self.input_megapixels_this_month

        jobs_this_month = self.jobs_this_month

        jobs_today = self.jobs_today

        monthly_megapixels_quota = self.monthly_megapixels_quota

        plan = self.plan

        resets_at = self.resets_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "daily_quota": daily_quota,
                "input_megapixels_this_month": input_megapixels_this_month,
                "jobs_this_month": jobs_this_month,
                "jobs_today": jobs_today,
                "monthly_megapixels_quota": monthly_megapixels_quota,
                "plan": plan,
                "resets_at": resets_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        daily_quota = d.pop("daily_quota")

        input_megapixels_this_month = d.pop("input_megapixels_this_month")

        jobs_this_month = d.pop("jobs_this_month")

        jobs_today = d.pop("jobs_today")

        monthly_megapixels_quota = d.pop("monthly_megapixels_quota")

        plan = d.pop("plan")

        resets_at = datetime.datetime.fromisoformat(d.pop("resets_at"))

        usage_out = cls(
            daily_quota=daily_quota,
            input_megapixels_this_month=input_megapixels_this_month,
            jobs_this_month=jobs_this_month,
            jobs_today=jobs_today,
            monthly_megapixels_quota=monthly_megapixels_quota,
            plan=plan,
            resets_at=resets_at,
        )

        usage_out.additional_properties = d
        return usage_out

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
