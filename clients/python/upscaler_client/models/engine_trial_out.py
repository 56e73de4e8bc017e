from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="EngineTrialOut")


@_attrs_define
class EngineTrialOut:
    """One engine path a worker measured for a model at start.

    Attributes:
        path (str): provider-precision, e.g. openvino-bf16
        accepted (bool | Unset): at or above the quality floor Default: False.
        error (None | str | Unset): why the path failed to start
        psnr_db (float | None | Unset): against the fp32 reference (null for the reference itself)
        seconds (float | None | Unset): the measured pass
    """

    path: str
    accepted: bool | Unset = False
    error: None | str | Unset = UNSET
    psnr_db: float | None | Unset = UNSET
    seconds: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        accepted = self.accepted

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        psnr_db: float | None | Unset
        if isinstance(self.psnr_db, Unset):
            psnr_db = UNSET
        else:
            psnr_db = self.psnr_db

        seconds: float | None | Unset
        if isinstance(self.seconds, Unset):
            seconds = UNSET
        else:
            seconds = self.seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
            }
        )
        if accepted is not UNSET:
            field_dict["accepted"] = accepted
        if error is not UNSET:
            field_dict["error"] = error
        if psnr_db is not UNSET:
            field_dict["psnr_db"] = psnr_db
        if seconds is not UNSET:
            field_dict["seconds"] = seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        accepted = d.pop("accepted", UNSET)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_psnr_db(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        psnr_db = _parse_psnr_db(d.pop("psnr_db", UNSET))

        def _parse_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        seconds = _parse_seconds(d.pop("seconds", UNSET))

        engine_trial_out = cls(
            path=path,
            accepted=accepted,
            error=error,
            psnr_db=psnr_db,
            seconds=seconds,
        )

        engine_trial_out.additional_properties = d
        return engine_trial_out

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
