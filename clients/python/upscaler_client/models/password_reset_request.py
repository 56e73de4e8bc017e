from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PasswordResetRequest")


@_attrs_define
class PasswordResetRequest:
    """
    Attributes:
        generate (bool | Unset): Replace it with a generated one Default: False.
        new_password (None | str | Unset): Replace the password too (optional)
    """

    generate: bool | Unset = False
    new_password: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        generate = self.generate

        new_password: None | str | Unset
        if isinstance(self.new_password, Unset):
            new_password = UNSET
        else:
            new_password = self.new_password

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if generate is not UNSET:
            field_dict["generate"] = generate
        if new_password is not UNSET:
            field_dict["new_password"] = new_password

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        generate = d.pop("generate", UNSET)

        def _parse_new_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        new_password = _parse_new_password(d.pop("new_password", UNSET))

        password_reset_request = cls(
            generate=generate,
            new_password=new_password,
        )

        return password_reset_request
