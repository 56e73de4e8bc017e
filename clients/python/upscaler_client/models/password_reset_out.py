from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_out import UserOut


T = TypeVar("T", bound="PasswordResetOut")


@_attrs_define
class PasswordResetOut:
    """
    Attributes:
        generated_password (None | str):
        sessions_ended (int):
        user (UserOut):
    """

    generated_password: None | str
    sessions_ended: int
    user: UserOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        generated_password: None | str
        generated_password = self.generated_password

        sessions_ended = self.sessions_ended

        user = self.user.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "generated_password": generated_password,
                "sessions_ended": sessions_ended,
                "user": user,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_out import UserOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_generated_password(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        generated_password = _parse_generated_password(d.pop("generated_password"))

        sessions_ended = d.pop("sessions_ended")

        user = UserOut.from_dict(d.pop("user"))

        password_reset_out = cls(
            generated_password=generated_password,
            sessions_ended=sessions_ended,
            user=user,
        )

        password_reset_out.additional_properties = d
        return password_reset_out

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
