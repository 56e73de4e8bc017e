from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginRequest")


@_attrs_define
class LoginRequest:
    """
    Attributes:
        password (str):
        username (str):
        cookie (bool | Unset): Start a browser session (HttpOnly cookie) instead of returning a bearer token Default:
            False.
    """

    password: str
    username: str
    cookie: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        username = self.username

        cookie = self.cookie

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "password": password,
                "username": username,
            }
        )
        if cookie is not UNSET:
            field_dict["cookie"] = cookie

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        password = d.pop("password")

        username = d.pop("username")

        cookie = d.pop("cookie", UNSET)

        login_request = cls(
            password=password,
            username=username,
            cookie=cookie,
        )

        return login_request
