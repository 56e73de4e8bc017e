from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_update_plan_type_0 import UserUpdatePlanType0
from ..models.user_update_role_type_0 import UserUpdateRoleType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """
    Attributes:
        email (None | str | Unset):
        is_active (bool | None | Unset):
        plan (None | Unset | UserUpdatePlanType0):
        role (None | Unset | UserUpdateRoleType0):
    """

    email: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    plan: None | Unset | UserUpdatePlanType0 = UNSET
    role: None | Unset | UserUpdateRoleType0 = UNSET

    def to_dict(self) -> dict[str, Any]:
        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        plan: None | str | Unset
        if isinstance(self.plan, Unset):
            plan = UNSET
        elif isinstance(self.plan, UserUpdatePlanType0):
            plan = self.plan.value
        else:
            plan = self.plan

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, UserUpdateRoleType0):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if plan is not UNSET:
            field_dict["plan"] = plan
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        def _parse_plan(data: object) -> None | Unset | UserUpdatePlanType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                plan_type_0 = UserUpdatePlanType0(data)

                return plan_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserUpdatePlanType0, data)

        plan = _parse_plan(d.pop("plan", UNSET))

        def _parse_role(data: object) -> None | Unset | UserUpdateRoleType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = UserUpdateRoleType0(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserUpdateRoleType0, data)

        role = _parse_role(d.pop("role", UNSET))

        user_update = cls(
            email=email,
            is_active=is_active,
            plan=plan,
            role=role,
        )

        return user_update
