from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelUpdateRequest")


@_attrs_define
class ModelUpdateRequest:
    """
    Attributes:
        gpu_required (bool | None | Unset):
        note (None | str | Unset):
        presets (list[str] | None | Unset):
        quality_rank (int | None | Unset):
    """

    gpu_required: bool | None | Unset = UNSET
    note: None | str | Unset = UNSET
    presets: list[str] | None | Unset = UNSET
    quality_rank: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        gpu_required: bool | None | Unset
        if isinstance(self.gpu_required, Unset):
            gpu_required = UNSET
        else:
            gpu_required = self.gpu_required

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        presets: list[str] | None | Unset
        if isinstance(self.presets, Unset):
            presets = UNSET
        elif isinstance(self.presets, list):
            presets = self.presets

        else:
            presets = self.presets

        quality_rank: int | None | Unset
        if isinstance(self.quality_rank, Unset):
            quality_rank = UNSET
        else:
            quality_rank = self.quality_rank

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if gpu_required is not UNSET:
            field_dict["gpu_required"] = gpu_required
        if note is not UNSET:
            field_dict["note"] = note
        if presets is not UNSET:
            field_dict["presets"] = presets
        if quality_rank is not UNSET:
            field_dict["quality_rank"] = quality_rank

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_gpu_required(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        gpu_required = _parse_gpu_required(d.pop("gpu_required", UNSET))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        def _parse_presets(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                presets_type_0 = cast(list[str], data)

                return presets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        presets = _parse_presets(d.pop("presets", UNSET))

        def _parse_quality_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        quality_rank = _parse_quality_rank(d.pop("quality_rank", UNSET))

        model_update_request = cls(
            gpu_required=gpu_required,
            note=note,
            presets=presets,
            quality_rank=quality_rank,
        )

        return model_update_request
