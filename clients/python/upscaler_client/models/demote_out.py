from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.model_out import ModelOut


T = TypeVar("T", bound="DemoteOut")


@_attrs_define
class DemoteOut:
    """
    Attributes:
        model (ModelOut):
        restored_default (None | str):
    """

    model: ModelOut
    restored_default: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model.to_dict()

        restored_default: None | str
        restored_default = self.restored_default

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "restored_default": restored_default,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_out import ModelOut  # noqa: PLC0415

        d = dict(src_dict)
        model = ModelOut.from_dict(d.pop("model"))

        def _parse_restored_default(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        restored_default = _parse_restored_default(d.pop("restored_default"))

        demote_out = cls(
            model=model,
            restored_default=restored_default,
        )

        demote_out.additional_properties = d
        return demote_out

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
