from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.admin_register_model_body_expected_scale import AdminRegisterModelBodyExpectedScale
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="AdminRegisterModelBody")


@_attrs_define
class AdminRegisterModelBody:
    """
    Attributes:
        file (File): an .onnx model
        name (str):
        expected_scale (AdminRegisterModelBodyExpectedScale | Unset):
        gpu_required (bool | Unset):  Default: False.
        note (str | Unset):
        presets (str | Unset): comma-separated presets it serves
        quality_rank (int | Unset):  Default: 0.
    """

    file: File
    name: str
    expected_scale: AdminRegisterModelBodyExpectedScale | Unset = UNSET
    gpu_required: bool | Unset = False
    note: str | Unset = UNSET
    presets: str | Unset = UNSET
    quality_rank: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        name = self.name

        expected_scale: int | Unset = UNSET
        if not isinstance(self.expected_scale, Unset):
            expected_scale = self.expected_scale.value

        gpu_required = self.gpu_required

        note = self.note

        presets = self.presets

        quality_rank = self.quality_rank

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "name": name,
            }
        )
        if expected_scale is not UNSET:
            field_dict["expected_scale"] = expected_scale
        if gpu_required is not UNSET:
            field_dict["gpu_required"] = gpu_required
        if note is not UNSET:
            field_dict["note"] = note
        if presets is not UNSET:
            field_dict["presets"] = presets
        if quality_rank is not UNSET:
            field_dict["quality_rank"] = quality_rank

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("name", (None, str(self.name).encode(), "text/plain")))

        if not isinstance(self.expected_scale, Unset):
            files.append(("expected_scale", (None, str(self.expected_scale.value).encode(), "text/plain")))

        if not isinstance(self.gpu_required, Unset):
            files.append(("gpu_required", (None, str(self.gpu_required).encode(), "text/plain")))

        if not isinstance(self.note, Unset):
            files.append(("note", (None, str(self.note).encode(), "text/plain")))

        if not isinstance(self.presets, Unset):
            files.append(("presets", (None, str(self.presets).encode(), "text/plain")))

        if not isinstance(self.quality_rank, Unset):
            files.append(("quality_rank", (None, str(self.quality_rank).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        name = d.pop("name")

        _expected_scale = d.pop("expected_scale", UNSET)
        expected_scale: AdminRegisterModelBodyExpectedScale | Unset
        if isinstance(_expected_scale, Unset):
            expected_scale = UNSET
        else:
            expected_scale = AdminRegisterModelBodyExpectedScale(_expected_scale)

        gpu_required = d.pop("gpu_required", UNSET)

        note = d.pop("note", UNSET)

        presets = d.pop("presets", UNSET)

        quality_rank = d.pop("quality_rank", UNSET)

        admin_register_model_body = cls(
            file=file,
            name=name,
            expected_scale=expected_scale,
            gpu_required=gpu_required,
            note=note,
            presets=presets,
            quality_rank=quality_rank,
        )

        admin_register_model_body.additional_properties = d
        return admin_register_model_body

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
