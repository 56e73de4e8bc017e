from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UploadLimits")


@_attrs_define
class UploadLimits:
    """
    Attributes:
        accepted_extensions (list[str]):
        accepted_mime_types (list[str]): decided from the file's bytes
        accepted_type_labels (list[str]):
        max_input_pixels (int): width x height of the input image
        max_upload_size_bytes (int): largest accepted file, in bytes
        rate_limit_per_minute (int): uploads per minute per client; 0 = no limit
    """

    accepted_extensions: list[str]
    accepted_mime_types: list[str]
    accepted_type_labels: list[str]
    max_input_pixels: int
    max_upload_size_bytes: int
    rate_limit_per_minute: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accepted_extensions = self.accepted_extensions

        accepted_mime_types = self.accepted_mime_types

        accepted_type_labels = self.accepted_type_labels

        max_input_pixels = self.max_input_pixels

        max_upload_size_bytes = self.max_upload_size_bytes

        rate_limit_per_minute = self.rate_limit_per_minute

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accepted_extensions": accepted_extensions,
                "accepted_mime_types": accepted_mime_types,
                "accepted_type_labels": accepted_type_labels,
                "max_input_pixels": max_input_pixels,
                "max_upload_size_bytes": max_upload_size_bytes,
                "rate_limit_per_minute": rate_limit_per_minute,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        accepted_extensions = cast(list[str], d.pop("accepted_extensions"))

        accepted_mime_types = cast(list[str], d.pop("accepted_mime_types"))

        accepted_type_labels = cast(list[str], d.pop("accepted_type_labels"))

        max_input_pixels = d.pop("max_input_pixels")

        max_upload_size_bytes = d.pop("max_upload_size_bytes")

        rate_limit_per_minute = d.pop("rate_limit_per_minute")

        upload_limits = cls(
            accepted_extensions=accepted_extensions,
            accepted_mime_types=accepted_mime_types,
            accepted_type_labels=accepted_type_labels,
            max_input_pixels=max_input_pixels,
            max_upload_size_bytes=max_upload_size_bytes,
            rate_limit_per_minute=rate_limit_per_minute,
        )

        upload_limits.additional_properties = d
        return upload_limits

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
