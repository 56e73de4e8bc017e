from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.settings_out_changed import SettingsOutChanged
    from ..models.settings_out_settings import SettingsOutSettings


T = TypeVar("T", bound="SettingsOut")


@_attrs_define
class SettingsOut:
    """
    Attributes:
        settings (SettingsOutSettings):
        changed (SettingsOutChanged | Unset): key -> {old, new}, for what this request changed
    """

    settings: SettingsOutSettings
    changed: SettingsOutChanged | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        settings = self.settings.to_dict()

        changed: dict[str, Any] | Unset = UNSET
        if not isinstance(self.changed, Unset):
            changed = self.changed.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "settings": settings,
            }
        )
        if changed is not UNSET:
            field_dict["changed"] = changed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.settings_out_changed import SettingsOutChanged  # noqa: PLC0415
        from ..models.settings_out_settings import SettingsOutSettings  # noqa: PLC0415

        d = dict(src_dict)
        settings = SettingsOutSettings.from_dict(d.pop("settings"))

        _changed = d.pop("changed", UNSET)
        changed: SettingsOutChanged | Unset
        if isinstance(_changed, Unset):
            changed = UNSET
        else:
            changed = SettingsOutChanged.from_dict(_changed)

        settings_out = cls(
            settings=settings,
            changed=changed,
        )

        settings_out.additional_properties = d
        return settings_out

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
