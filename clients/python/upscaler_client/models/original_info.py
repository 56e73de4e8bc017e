from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OriginalInfo")


@_attrs_define
class OriginalInfo:
    """
    Attributes:
        filename (str):
        height (int):
        mime_type (str):
        size_bytes (int):
        width (int):
        frames (int | Unset): an animation's frames (1: a still image) Default: 1.
    """

    filename: str
    height: int
    mime_type: str
    size_bytes: int
    width: int
    frames: int | Unset = 1
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        height = self.height

        mime_type = self.mime_type

        size_bytes = self.size_bytes

        width = self.width

        frames = self.frames

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "filename": filename,
                "height": height,
                "mime_type": mime_type,
                "size_bytes": size_bytes,
                "width": width,
            }
        )
        if frames is not UNSET:
            field_dict["frames"] = frames

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        filename = d.pop("filename")

        height = d.pop("height")

        mime_type = d.pop("mime_type")

        size_bytes = d.pop("size_bytes")

        width = d.pop("width")

        frames = d.pop("frames", UNSET)

        original_info = cls(
            filename=filename,
            height=height,
            mime_type=mime_type,
            size_bytes=size_bytes,
            width=width,
            frames=frames,
        )

        original_info.additional_properties = d
        return original_info

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
