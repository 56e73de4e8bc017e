from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.denoise import Denoise
from ..models.factor import Factor
from ..models.output_format import OutputFormat
from ..models.preset import Preset
from ..types import UNSET, Unset

T = TypeVar("T", bound="RequeueRequest")


@_attrs_define
class RequeueRequest:
    """Optional overrides; an empty body runs the job again as it was.

    Attributes:
        denoise (Denoise | None | Unset):
        factor (Factor | None | Unset):
        model (None | str | Unset): Run with this (active) model instead of the one the preset picks
        output_format (None | OutputFormat | Unset):
        preset (None | Preset | Unset):
        quality (int | None | Unset):
        refine_faces (bool | None | Unset):
    """

    denoise: Denoise | None | Unset = UNSET
    factor: Factor | None | Unset = UNSET
    model: None | str | Unset = UNSET
    output_format: None | OutputFormat | Unset = UNSET
    preset: None | Preset | Unset = UNSET
    quality: int | None | Unset = UNSET
    refine_faces: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        denoise: None | str | Unset
        if isinstance(self.denoise, Unset):
            denoise = UNSET
        elif isinstance(self.denoise, Denoise):
            denoise = self.denoise.value
        else:
            denoise = self.denoise

        factor: None | str | Unset
        if isinstance(self.factor, Unset):
            factor = UNSET
        elif isinstance(self.factor, Factor):
            factor = self.factor.value
        else:
            factor = self.factor

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        output_format: None | str | Unset
        if isinstance(self.output_format, Unset):
            output_format = UNSET
        elif isinstance(self.output_format, OutputFormat):
            output_format = self.output_format.value
        else:
            output_format = self.output_format

        preset: None | str | Unset
        if isinstance(self.preset, Unset):
            preset = UNSET
        elif isinstance(self.preset, Preset):
            preset = self.preset.value
        else:
            preset = self.preset

        quality: int | None | Unset
        if isinstance(self.quality, Unset):
            quality = UNSET
        else:
            quality = self.quality

        refine_faces: bool | None | Unset
        if isinstance(self.refine_faces, Unset):
            refine_faces = UNSET
        else:
            refine_faces = self.refine_faces

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if denoise is not UNSET:
            field_dict["denoise"] = denoise
        if factor is not UNSET:
            field_dict["factor"] = factor
        if model is not UNSET:
            field_dict["model"] = model
        if output_format is not UNSET:
            field_dict["output_format"] = output_format
        if preset is not UNSET:
            field_dict["preset"] = preset
        if quality is not UNSET:
            field_dict["quality"] = quality
        if refine_faces is not UNSET:
            field_dict["refine_faces"] = refine_faces

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_denoise(data: object) -> Denoise | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                denoise_type_0 = Denoise(data)

                return denoise_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Denoise | None | Unset, data)

        denoise = _parse_denoise(d.pop("denoise", UNSET))

        def _parse_factor(data: object) -> Factor | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                factor_type_0 = Factor(data)

                return factor_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Factor | None | Unset, data)

        factor = _parse_factor(d.pop("factor", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_output_format(data: object) -> None | OutputFormat | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                output_format_type_0 = OutputFormat(data)

                return output_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OutputFormat | Unset, data)

        output_format = _parse_output_format(d.pop("output_format", UNSET))

        def _parse_preset(data: object) -> None | Preset | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                preset_type_0 = Preset(data)

                return preset_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Preset | Unset, data)

        preset = _parse_preset(d.pop("preset", UNSET))

        def _parse_quality(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        quality = _parse_quality(d.pop("quality", UNSET))

        def _parse_refine_faces(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        refine_faces = _parse_refine_faces(d.pop("refine_faces", UNSET))

        requeue_request = cls(
            denoise=denoise,
            factor=factor,
            model=model,
            output_format=output_format,
            preset=preset,
            quality=quality,
            refine_faces=refine_faces,
        )

        return requeue_request
