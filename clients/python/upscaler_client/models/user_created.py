from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserCreated")


@_attrs_define
class UserCreated:
    """
    Attributes:
        created_at (datetime.datetime):
        email (None | str):
        expires_at (datetime.datetime | None):
        force_password_reset (bool):
        id (int):
        is_active (bool):
        last_login_at (datetime.datetime | None):
        plan (str): free or pro: whose daily quota applies
        role (str):
        username (str):
        generated_password (None | str | Unset): Only when the server made the password; shown once
        live_sessions (int | Unset):  Default: 0.
    """

    created_at: datetime.datetime
    email: None | str
    expires_at: datetime.datetime | None
    force_password_reset: bool
    id: int
    is_active: bool
    last_login_at: datetime.datetime | None
    plan: str
    role: str
    username: str
    generated_password: None | str | Unset = UNSET
    live_sessions: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        email: None | str
        email = self.email

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        force_password_reset = self.force_password_reset

        id = self.id

        is_active = self.is_active

        last_login_at: None | str
        if isinstance(self.last_login_at, datetime.datetime):
            last_login_at = self.last_login_at.isoformat()
        else:
            last_login_at = self.last_login_at

        plan = self.plan

        role = self.role

        username = self.username

        generated_password: None | str | Unset
        if isinstance(self.generated_password, Unset):
            generated_password = UNSET
        else:
            generated_password = self.generated_password

        live_sessions = self.live_sessions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "expires_at": expires_at,
                "force_password_reset": force_password_reset,
                "id": id,
                "is_active": is_active,
                "last_login_at": last_login_at,
                "plan": plan,
                "role": role,
                "username": username,
            }
        )
        if generated_password is not UNSET:
            field_dict["generated_password"] = generated_password
        if live_sessions is not UNSET:
            field_dict["live_sessions"] = live_sessions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        force_password_reset = d.pop("force_password_reset")

        id = d.pop("id")

        is_active = d.pop("is_active")

        def _parse_last_login_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_login_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_login_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_login_at = _parse_last_login_at(d.pop("last_login_at"))

        plan = d.pop("plan")

        role = d.pop("role")

        username = d.pop("username")

        def _parse_generated_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        generated_password = _parse_generated_password(d.pop("generated_password", UNSET))

        live_sessions = d.pop("live_sessions", UNSET)

        user_created = cls(
            created_at=created_at,
            email=email,
            expires_at=expires_at,
            force_password_reset=force_password_reset,
            id=id,
            is_active=is_active,
            last_login_at=last_login_at,
            plan=plan,
            role=role,
            username=username,
            generated_password=generated_password,
            live_sessions=live_sessions,
        )

        user_created.additional_properties = d
        return user_created

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
