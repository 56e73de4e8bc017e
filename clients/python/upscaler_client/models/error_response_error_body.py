from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_response_error_body_field_problem import ErrorResponseErrorBodyFieldProblem


T = TypeVar("T", bound="ErrorResponseErrorBody")


@_attrs_define
class ErrorResponseErrorBody:
    """
    Attributes:
        code (str): A stable machine-readable code
        message (str): What went wrong, for people
        status (int): The HTTP status, repeated
        fields (list[ErrorResponseErrorBodyFieldProblem] | Unset): Per-field problems of a 400
    """

    code: str
    message: str
    status: int
    fields: list[ErrorResponseErrorBodyFieldProblem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        status = self.status

        fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = []
            for fields_item_data in self.fields:
                fields_item = fields_item_data.to_dict()
                fields.append(fields_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "status": status,
            }
        )
        if fields is not UNSET:
            field_dict["fields"] = fields

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_response_error_body_field_problem import ErrorResponseErrorBodyFieldProblem  # noqa: PLC0415

        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        status = d.pop("status")

        _fields = d.pop("fields", UNSET)
        fields: list[ErrorResponseErrorBodyFieldProblem] | Unset = UNSET
        if _fields is not UNSET:
            fields = []
            for fields_item_data in _fields:
                fields_item = ErrorResponseErrorBodyFieldProblem.from_dict(fields_item_data)

                fields.append(fields_item)

        error_response_error_body = cls(
            code=code,
            message=message,
            status=status,
            fields=fields,
        )

        error_response_error_body.additional_properties = d
        return error_response_error_body

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
