from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.token_out_token_type import TokenOutTokenType
from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenOut")


@_attrs_define
class TokenOut:
    """
    Attributes:
        access_token (None | str): Send as `Authorization: Bearer <token>`
        expires_at (datetime.datetime):
        password_change_required (bool): While true, only POST /api/v1/auth/password and logout are allowed
        role (str):
        token_type (TokenOutTokenType):
        username (str):
        csrf_token (None | str | Unset): For cookie sessions: send it as the X-CSRF-Token header
    """

    access_token: None | str
    expires_at: datetime.datetime
    password_change_required: bool
    role: str
    token_type: TokenOutTokenType
    username: str
    csrf_token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_token: None | str
        access_token = self.access_token

        expires_at = self.expires_at.isoformat()

        password_change_required = self.password_change_required

        role = self.role

        token_type = self.token_type.value

        username = self.username

        csrf_token: None | str | Unset
        if isinstance(self.csrf_token, Unset):
            csrf_token = UNSET
        else:
            csrf_token = self.csrf_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access_token": access_token,
                "expires_at": expires_at,
                "password_change_required": password_change_required,
                "role": role,
                "token_type": token_type,
                "username": username,
            }
        )
        if csrf_token is not UNSET:
            field_dict["csrf_token"] = csrf_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_access_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        access_token = _parse_access_token(d.pop("access_token"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        password_change_required = d.pop("password_change_required")

        role = d.pop("role")

        token_type = TokenOutTokenType(d.pop("token_type"))

        username = d.pop("username")

        def _parse_csrf_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        csrf_token = _parse_csrf_token(d.pop("csrf_token", UNSET))

        token_out = cls(
            access_token=access_token,
            expires_at=expires_at,
            password_change_required=password_change_required,
            role=role,
            token_type=token_type,
            username=username,
            csrf_token=csrf_token,
        )

        token_out.additional_properties = d
        return token_out

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
