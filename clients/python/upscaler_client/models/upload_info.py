from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

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
        batch_path (None | str | Unset): its path inside its batch
    """

    filename: str
    height: int
    mime_type: str
    sha256: str
    size_bytes: int
    upload_id: str
    width: int
    batch_path: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        height = self.height

        mime_type = self.mime_type

        sha256 = self.sha256

        size_bytes = self.size_bytes

        upload_id = self.upload_id

        width = self.width

        batch_path: None | str | Unset
        if isinstance(self.batch_path, Unset):
            batch_path = UNSET
        else:
            batch_path = self.batch_path

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
        if batch_path is not UNSET:
            field_dict["batch_path"] = batch_path

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

        def _parse_batch_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        batch_path = _parse_batch_path(d.pop("batch_path", UNSET))

        upload_info = cls(
            filename=filename,
            height=height,
            mime_type=mime_type,
            sha256=sha256,
            size_bytes=size_bytes,
            upload_id=upload_id,
            width=width,
            batch_path=batch_path,
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
