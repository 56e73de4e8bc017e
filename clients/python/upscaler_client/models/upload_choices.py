from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.choice import Choice


T = TypeVar("T", bound="UploadChoices")


@_attrs_define
class UploadChoices:
    """
    Attributes:
        default_quality (int):
        denoise_levels (list[Choice]):
        factors (list[Choice]):
        lossy_formats (list[str]): output formats that take a quality
        output_formats (list[Choice]):
        presets (list[Choice]):
        quality_max (int | Unset):  Default: 100.
        quality_min (int | Unset):  Default: 1.
    """

    default_quality: int
    denoise_levels: list[Choice]
    factors: list[Choice]
    lossy_formats: list[str]
    output_formats: list[Choice]
    presets: list[Choice]
    quality_max: int | Unset = 100
    quality_min: int | Unset = 1
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_quality = self.default_quality

        denoise_levels = []
        for denoise_levels_item_data in self.denoise_levels:
            denoise_levels_item = denoise_levels_item_data.to_dict()
            denoise_levels.append(denoise_levels_item)

        factors = []
        for factors_item_data in self.factors:
            factors_item = factors_item_data.to_dict()
            factors.append(factors_item)

        lossy_formats = self.lossy_formats

        output_formats = []
        for output_formats_item_data in self.output_formats:
            output_formats_item = output_formats_item_data.to_dict()
            output_formats.append(output_formats_item)

        presets = []
        for presets_item_data in self.presets:
            presets_item = presets_item_data.to_dict()
            presets.append(presets_item)

        quality_max = self.quality_max

        quality_min = self.quality_min

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default_quality": default_quality,
                "denoise_levels": denoise_levels,
                "factors": factors,
                "lossy_formats": lossy_formats,
                "output_formats": output_formats,
                "presets": presets,
            }
        )
        if quality_max is not UNSET:
            field_dict["quality_max"] = quality_max
        if quality_min is not UNSET:
            field_dict["quality_min"] = quality_min

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.choice import Choice  # noqa: PLC0415

        d = dict(src_dict)
        default_quality = d.pop("default_quality")

        denoise_levels = []
        _denoise_levels = d.pop("denoise_levels")
        for denoise_levels_item_data in _denoise_levels:
            denoise_levels_item = Choice.from_dict(denoise_levels_item_data)

            denoise_levels.append(denoise_levels_item)

        factors = []
        _factors = d.pop("factors")
        for factors_item_data in _factors:
            factors_item = Choice.from_dict(factors_item_data)

            factors.append(factors_item)

        lossy_formats = cast(list[str], d.pop("lossy_formats"))

        output_formats = []
        _output_formats = d.pop("output_formats")
        for output_formats_item_data in _output_formats:
            output_formats_item = Choice.from_dict(output_formats_item_data)

            output_formats.append(output_formats_item)

        presets = []
        _presets = d.pop("presets")
        for presets_item_data in _presets:
            presets_item = Choice.from_dict(presets_item_data)

            presets.append(presets_item)

        quality_max = d.pop("quality_max", UNSET)

        quality_min = d.pop("quality_min", UNSET)

        upload_choices = cls(
            default_quality=default_quality,
            denoise_levels=denoise_levels,
            factors=factors,
            lossy_formats=lossy_formats,
            output_formats=output_formats,
            presets=presets,
            quality_max=quality_max,
            quality_min=quality_min,
        )

        upload_choices.additional_properties = d
        return upload_choices

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
