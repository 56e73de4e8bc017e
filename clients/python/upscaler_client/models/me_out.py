from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.me_out_via import MeOutVia

T = TypeVar("T", bound="MeOut")


@_attrs_define
class MeOut:
    """
    Attributes:
        expires_at (datetime.datetime):
        id (int):
        password_change_required (bool):
        role (str):
        username (str):
        via (MeOutVia):
    """

    expires_at: datetime.datetime
    id: int
    password_change_required: bool
    role: str
    username: str
    via: MeOutVia
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        id = self.id

        password_change_required = self.password_change_required

        role = self.role

        username = self.username

        via = self.via.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "id": id,
                "password_change_required": password_change_required,
                "role": role,
                "username": username,
                "via": via,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = d.pop("id")

        password_change_required = d.pop("password_change_required")

        role = d.pop("role")

        username = d.pop("username")

        via = MeOutVia(d.pop("via"))

        me_out = cls(
            expires_at=expires_at,
            id=id,
            password_change_required=password_change_required,
            role=role,
            username=username,
            via=via,
        )

        me_out.additional_properties = d
        return me_out

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
