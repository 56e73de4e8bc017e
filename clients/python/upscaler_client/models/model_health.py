from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ModelHealth")


@_attrs_define
class ModelHealth:
    """
    Attributes:
        arch (str):
        is_default (bool):
        name (str):
        presets (list[str]):
        scale (int):
        status (str):
    """

    arch: str
    is_default: bool
    name: str
    presets: list[str]
    scale: int
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        arch = self.arch

        is_default = self.is_default

        name = self.name

        presets = self.presets

        scale = self.scale

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "arch": arch,
                "is_default": is_default,
                "name": name,
                "presets": presets,
                "scale": scale,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        arch = d.pop("arch")

        is_default = d.pop("is_default")

        name = d.pop("name")

        presets = cast(list[str], d.pop("presets"))

        scale = d.pop("scale")

        status = d.pop("status")

        model_health = cls(
            arch=arch,
            is_default=is_default,
            name=name,
            presets=presets,
            scale=scale,
            status=status,
        )

        model_health.additional_properties = d
        return model_health

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
