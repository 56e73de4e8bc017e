from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.denoise import Denoise
from ..models.factor import Factor
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreatePreviewBody")


@_attrs_define
class CreatePreviewBody:
    """
    Attributes:
        file (File): The whole image
        denoise (Denoise | Unset):
        factor (Factor | Unset):
        size (int | Unset): The crop's side in pixels Default: 128.
        x (int | Unset): Crop's left edge (with y)
        y (int | Unset): Crop's top edge (with x)
    """

    file: File
    denoise: Denoise | Unset = UNSET
    factor: Factor | Unset = UNSET
    size: int | Unset = 128
    x: int | Unset = UNSET
    y: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        denoise: str | Unset = UNSET
        if not isinstance(self.denoise, Unset):
            denoise = self.denoise.value

        factor: str | Unset = UNSET
        if not isinstance(self.factor, Unset):
            factor = self.factor.value

        size = self.size

        x = self.x

        y = self.y

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if denoise is not UNSET:
            field_dict["denoise"] = denoise
        if factor is not UNSET:
            field_dict["factor"] = factor
        if size is not UNSET:
            field_dict["size"] = size
        if x is not UNSET:
            field_dict["x"] = x
        if y is not UNSET:
            field_dict["y"] = y

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.denoise, Unset):
            files.append(("denoise", (None, str(self.denoise.value).encode(), "text/plain")))

        if not isinstance(self.factor, Unset):
            files.append(("factor", (None, str(self.factor.value).encode(), "text/plain")))

        if not isinstance(self.size, Unset):
            files.append(("size", (None, str(self.size).encode(), "text/plain")))

        if not isinstance(self.x, Unset):
            files.append(("x", (None, str(self.x).encode(), "text/plain")))

        if not isinstance(self.y, Unset):
            files.append(("y", (None, str(self.y).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        _denoise = d.pop("denoise", UNSET)
        denoise: Denoise | Unset
        if isinstance(_denoise, Unset):
            denoise = UNSET
        else:
            denoise = Denoise(_denoise)

        _factor = d.pop("factor", UNSET)
        factor: Factor | Unset
        if isinstance(_factor, Unset):
            factor = UNSET
        else:
            factor = Factor(_factor)

        size = d.pop("size", UNSET)

        x = d.pop("x", UNSET)

        y = d.pop("y", UNSET)

        create_preview_body = cls(
            file=file,
            denoise=denoise,
            factor=factor,
            size=size,
            x=x,
            y=y,
        )

        create_preview_body.additional_properties = d
        return create_preview_body

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
