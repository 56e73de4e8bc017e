from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.model_out_details import ModelOutDetails


T = TypeVar("T", bound="ModelOut")


@_attrs_define
class ModelOut:
    """
    Attributes:
        arch (str):
        created_at (datetime.datetime):
        denoise (None | str):
        details (ModelOutDetails):
        gpu_required (bool):
        is_default (bool):
        name (str):
        note (None | str):
        presets (list[str]):
        quality_rank (int):
        scale (int):
        sha256 (None | str):
        size_bytes (int | None):
        source (str):
        status (str):
        status_reason (None | str):
        type_ (str):
        updated_at (datetime.datetime):
        variant_of (None | str):
    """

    arch: str
    created_at: datetime.datetime
    denoise: None | str
    details: ModelOutDetails
    gpu_required: bool
    is_default: bool
    name: str
    note: None | str
    presets: list[str]
    quality_rank: int
    scale: int
    sha256: None | str
    size_bytes: int | None
    source: str
    status: str
    status_reason: None | str
    type_: str
    updated_at: datetime.datetime
    variant_of: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        arch = self.arch

        created_at = self.created_at.isoformat()

        denoise: None | str
        denoise = self.denoise

        details = self.details.to_dict()

        gpu_required = self.gpu_required

        is_default = self.is_default

        name = self.name

        note: None | str
        note = self.note

        presets = self.presets

        quality_rank = self.quality_rank

        scale = self.scale

        sha256: None | str
        sha256 = self.sha256

        size_bytes: int | None
        size_bytes = self.size_bytes

        source = self.source

        status = self.status

        status_reason: None | str
        status_reason = self.status_reason

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        variant_of: None | str
        variant_of = self.variant_of

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "arch": arch,
                "created_at": created_at,
                "denoise": denoise,
                "details": details,
                "gpu_required": gpu_required,
                "is_default": is_default,
                "name": name,
                "note": note,
                "presets": presets,
                "quality_rank": quality_rank,
                "scale": scale,
                "sha256": sha256,
                "size_bytes": size_bytes,
                "source": source,
                "status": status,
                "status_reason": status_reason,
                "type": type_,
                "updated_at": updated_at,
                "variant_of": variant_of,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_out_details import ModelOutDetails  # noqa: PLC0415

        d = dict(src_dict)
        arch = d.pop("arch")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_denoise(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        denoise = _parse_denoise(d.pop("denoise"))

        details = ModelOutDetails.from_dict(d.pop("details"))

        gpu_required = d.pop("gpu_required")

        is_default = d.pop("is_default")

        name = d.pop("name")

        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))

        presets = cast(list[str], d.pop("presets"))

        quality_rank = d.pop("quality_rank")

        scale = d.pop("scale")

        def _parse_sha256(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sha256 = _parse_sha256(d.pop("sha256"))

        def _parse_size_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes"))

        source = d.pop("source")

        status = d.pop("status")

        def _parse_status_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        type_ = d.pop("type")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_variant_of(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        variant_of = _parse_variant_of(d.pop("variant_of"))

        model_out = cls(
            arch=arch,
            created_at=created_at,
            denoise=denoise,
            details=details,
            gpu_required=gpu_required,
            is_default=is_default,
            name=name,
            note=note,
            presets=presets,
            quality_rank=quality_rank,
            scale=scale,
            sha256=sha256,
            size_bytes=size_bytes,
            source=source,
            status=status,
            status_reason=status_reason,
            type_=type_,
            updated_at=updated_at,
            variant_of=variant_of,
        )

        model_out.additional_properties = d
        return model_out

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
