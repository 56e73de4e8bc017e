from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.preview_status import PreviewStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelPreview")


@_attrs_define
class ModelPreview:
    """
    Attributes:
        estimated_seconds (int):
        model (str):
        presets (list[str]):
        status (PreviewStatus): A preview as a whole, and each model's part of it (the same words).
        error (None | str | Unset):
        image_url (None | str | Unset):
        seconds (float | None | Unset):
    """

    estimated_seconds: int
    model: str
    presets: list[str]
    status: PreviewStatus
    error: None | str | Unset = UNSET
    image_url: None | str | Unset = UNSET
    seconds: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        estimated_seconds = self.estimated_seconds

        model = self.model

        presets = self.presets

        status = self.status.value

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        image_url: None | str | Unset
        if isinstance(self.image_url, Unset):
            image_url = UNSET
        else:
            image_url = self.image_url

        seconds: float | None | Unset
        if isinstance(self.seconds, Unset):
            seconds = UNSET
        else:
            seconds = self.seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "estimated_seconds": estimated_seconds,
                "model": model,
                "presets": presets,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if image_url is not UNSET:
            field_dict["image_url"] = image_url
        if seconds is not UNSET:
            field_dict["seconds"] = seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        estimated_seconds = d.pop("estimated_seconds")

        model = d.pop("model")

        presets = cast(list[str], d.pop("presets"))

        status = PreviewStatus(d.pop("status"))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_image_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        image_url = _parse_image_url(d.pop("image_url", UNSET))

        def _parse_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        seconds = _parse_seconds(d.pop("seconds", UNSET))

        model_preview = cls(
            estimated_seconds=estimated_seconds,
            model=model,
            presets=presets,
            status=status,
            error=error,
            image_url=image_url,
            seconds=seconds,
        )

        model_preview.additional_properties = d
        return model_preview

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
