from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UploadInfo")


@_attrs_define
class UploadInfo:
    """
    Attributes:
        filename (str):
        height (int):
        mime_type (str):
        sha256 (str):
        size_bytes (int):
        upload_id (str):
        width (int):
    """

    filename: str
    height: int
    mime_type: str
    sha256: str
    size_bytes: int
    upload_id: str
    width: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        height = self.height

        mime_type = self.mime_type

        sha256 = self.sha256

        size_bytes = self.size_bytes

        upload_id = self.upload_id

        width = self.width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "filename": filename,
                "height": height,
                "mime_type": mime_type,
                "sha256": sha256,
                "size_bytes": size_bytes,
                "upload_id": upload_id,
                "width": width,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        filename = d.pop("filename")

        height = d.pop("height")

        mime_type = d.pop("mime_type")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        upload_id = d.pop("upload_id")

        width = d.pop("width")

        upload_info = cls(
            filename=filename,
            height=height,
            mime_type=mime_type,
            sha256=sha256,
            size_bytes=size_bytes,
            upload_id=upload_id,
            width=width,
        )

        upload_info.additional_properties = d
        return upload_info

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
