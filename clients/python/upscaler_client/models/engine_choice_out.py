from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.engine_trial_out import EngineTrialOut


T = TypeVar("T", bound="EngineChoiceOut")


@_attrs_define
class EngineChoiceOut:
    """The engine path a worker chose for one model, and what it measured.

    Attributes:
        path (str): the chosen path, e.g. openvino-bf16
        forced (bool | Unset): set by the worker's settings, not measured Default: False.
        precision (None | str | Unset):
        provider (None | str | Unset):
        trials (list[EngineTrialOut] | Unset): every candidate measured (none when forced)
    """

    path: str
    forced: bool | Unset = False
    precision: None | str | Unset = UNSET
    provider: None | str | Unset = UNSET
    trials: list[EngineTrialOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        forced = self.forced

        precision: None | str | Unset
        if isinstance(self.precision, Unset):
            precision = UNSET
        else:
            precision = self.precision

        provider: None | str | Unset
        if isinstance(self.provider, Unset):
            provider = UNSET
        else:
            provider = self.provider

        trials: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.trials, Unset):
            trials = []
            for trials_item_data in self.trials:
                trials_item = trials_item_data.to_dict()
                trials.append(trials_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
            }
        )
        if forced is not UNSET:
            field_dict["forced"] = forced
        if precision is not UNSET:
            field_dict["precision"] = precision
        if provider is not UNSET:
            field_dict["provider"] = provider
        if trials is not UNSET:
            field_dict["trials"] = trials

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.engine_trial_out import EngineTrialOut  # noqa: PLC0415

        d = dict(src_dict)
        path = d.pop("path")

        forced = d.pop("forced", UNSET)

        def _parse_precision(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        precision = _parse_precision(d.pop("precision", UNSET))

        def _parse_provider(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider = _parse_provider(d.pop("provider", UNSET))

        _trials = d.pop("trials", UNSET)
        trials: list[EngineTrialOut] | Unset = UNSET
        if _trials is not UNSET:
            trials = []
            for trials_item_data in _trials:
                trials_item = EngineTrialOut.from_dict(trials_item_data)

                trials.append(trials_item)

        engine_choice_out = cls(
            path=path,
            forced=forced,
            precision=precision,
            provider=provider,
            trials=trials,
        )

        engine_choice_out.additional_properties = d
        return engine_choice_out

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
