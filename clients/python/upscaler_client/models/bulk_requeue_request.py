from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="BulkRequeueRequest")


@_attrs_define
class BulkRequeueRequest:
    """
    Attributes:
        model (str): Requeue the jobs this model produced
        include_already_requeued (bool | Unset):  Default: False.
        since (datetime.datetime | None | Unset):
        statuses (list[JobStatus] | Unset):
        until (datetime.datetime | None | Unset):
        use_model (None | str | Unset): Run them with this model (default: what the preset picks now)
    """

    model: str
    include_already_requeued: bool | Unset = False
    since: datetime.datetime | None | Unset = UNSET
    statuses: list[JobStatus] | Unset = UNSET
    until: datetime.datetime | None | Unset = UNSET
    use_model: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        include_already_requeued = self.include_already_requeued

        since: None | str | Unset
        if isinstance(self.since, Unset):
            since = UNSET
        elif isinstance(self.since, datetime.datetime):
            since = self.since.isoformat()
        else:
            since = self.since

        statuses: list[str] | Unset = UNSET
        if not isinstance(self.statuses, Unset):
            statuses = []
            for statuses_item_data in self.statuses:
                statuses_item = statuses_item_data.value
                statuses.append(statuses_item)

        until: None | str | Unset
        if isinstance(self.until, Unset):
            until = UNSET
        elif isinstance(self.until, datetime.datetime):
            until = self.until.isoformat()
        else:
            until = self.until

        use_model: None | str | Unset
        if isinstance(self.use_model, Unset):
            use_model = UNSET
        else:
            use_model = self.use_model

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
            }
        )
        if include_already_requeued is not UNSET:
            field_dict["include_already_requeued"] = include_already_requeued
        if since is not UNSET:
            field_dict["since"] = since
        if statuses is not UNSET:
            field_dict["statuses"] = statuses
        if until is not UNSET:
            field_dict["until"] = until
        if use_model is not UNSET:
            field_dict["use_model"] = use_model

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model = d.pop("model")

        include_already_requeued = d.pop("include_already_requeued", UNSET)

        def _parse_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                since_type_0 = datetime.datetime.fromisoformat(data)

                return since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        since = _parse_since(d.pop("since", UNSET))

        _statuses = d.pop("statuses", UNSET)
        statuses: list[JobStatus] | Unset = UNSET
        if _statuses is not UNSET:
            statuses = []
            for statuses_item_data in _statuses:
                statuses_item = JobStatus(statuses_item_data)

                statuses.append(statuses_item)

        def _parse_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                until_type_0 = datetime.datetime.fromisoformat(data)

                return until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        until = _parse_until(d.pop("until", UNSET))

        def _parse_use_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        use_model = _parse_use_model(d.pop("use_model", UNSET))

        bulk_requeue_request = cls(
            model=model,
            include_already_requeued=include_already_requeued,
            since=since,
            statuses=statuses,
            until=until,
            use_model=use_model,
        )

        return bulk_requeue_request
