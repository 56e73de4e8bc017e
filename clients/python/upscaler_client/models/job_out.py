from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_out_links import JobOutLinks
    from ..models.job_out_params import JobOutParams
    from ..models.notification_out import NotificationOut
    from ..models.original_info import OriginalInfo
    from ..models.result_info import ResultInfo


T = TypeVar("T", bound="JobOut")


@_attrs_define
class JobOut:
    """
    Attributes:
        attempts (int):
        created_at (datetime.datetime):
        duration_seconds (float | None):
        error (None | str):
        finished_at (datetime.datetime | None):
        job_id (str):
        model (None | str):
        original (OriginalInfo):
        original_url (str):
        params (JobOutParams):
        progress (int):
        provider (None | str):
        started_at (datetime.datetime | None):
        status (JobStatus):
        worker_id (None | str):
        estimated_seconds (int | None | Unset): remaining time estimate, while queued or running
        estimated_seconds_at_upload (float | None | Unset): the estimate given when the image was uploaded
        files_removed_at (datetime.datetime | None | Unset): when retention deleted the original (links then answer 404)
        instant_repeat (bool | Unset): completed at once from an identical earlier job's result (same input bytes,
            parameters and model version); nothing ran Default: False.
        links (JobOutLinks | Unset):
        model_reason (None | str | Unset): why this model runs rather than the preset's first choice (time limit)
        notifications (list[NotificationOut] | Unset): webhook and e-mail deliveries, once the job has ended
        precision (None | str | Unset): the precision the model ran at on that provider: fp32, bf16, fp16, int8
        queue_position (int | None | Unset): 1 = next to run; null unless queued
        result (None | ResultInfo | Unset):
        result_url (None | str | Unset):
        thumbnail_url (None | str | Unset):
    """

    attempts: int
    created_at: datetime.datetime
    duration_seconds: float | None
    error: None | str
    finished_at: datetime.datetime | None
    job_id: str
    model: None | str
    original: OriginalInfo
    original_url: str
    params: JobOutParams
    progress: int
    provider: None | str
    started_at: datetime.datetime | None
    status: JobStatus
    worker_id: None | str
    estimated_seconds: int | None | Unset = UNSET
    estimated_seconds_at_upload: float | None | Unset = UNSET
    files_removed_at: datetime.datetime | None | Unset = UNSET
    instant_repeat: bool | Unset = False
    links: JobOutLinks | Unset = UNSET
    model_reason: None | str | Unset = UNSET
    notifications: list[NotificationOut] | Unset = UNSET
    precision: None | str | Unset = UNSET
    queue_position: int | None | Unset = UNSET
    result: None | ResultInfo | Unset = UNSET
    result_url: None | str | Unset = UNSET
    thumbnail_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.result_info import ResultInfo  # noqa: PLC0415

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        duration_seconds: float | None
        duration_seconds = self.duration_seconds

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        job_id = self.job_id

        model: None | str
        model = self.model

        original = self.original.to_dict()

        original_url = self.original_url

        params = self.params.to_dict()

        progress = self.progress

        provider: None | str
        provider = self.provider

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        worker_id: None | str
        worker_id = self.worker_id

        estimated_seconds: int | None | Unset
        if isinstance(self.estimated_seconds, Unset):
            estimated_seconds = UNSET
        else:
            estimated_seconds = self.estimated_seconds

        estimated_seconds_at_upload: float | None | Unset
        if isinstance(self.estimated_seconds_at_upload, Unset):
            estimated_seconds_at_upload = UNSET
        else:
            estimated_seconds_at_upload = self.estimated_seconds_at_upload

        files_removed_at: None | str | Unset
        if isinstance(self.files_removed_at, Unset):
            files_removed_at = UNSET
        elif isinstance(self.files_removed_at, datetime.datetime):
            files_removed_at = self.files_removed_at.isoformat()
        else:
            files_removed_at = self.files_removed_at

        instant_repeat = self.instant_repeat

        links: dict[str, Any] | Unset = UNSET
        if not isinstance(self.links, Unset):
            links = self.links.to_dict()

        model_reason: None | str | Unset
        if isinstance(self.model_reason, Unset):
            model_reason = UNSET
        else:
            model_reason = self.model_reason

        notifications: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.notifications, Unset):
            notifications = []
            for notifications_item_data in self.notifications:
                notifications_item = notifications_item_data.to_dict()
                notifications.append(notifications_item)

        precision: None | str | Unset
        if isinstance(self.precision, Unset):
            precision = UNSET
        else:
            precision = self.precision

        queue_position: int | None | Unset
        if isinstance(self.queue_position, Unset):
            queue_position = UNSET
        else:
            queue_position = self.queue_position

        result: dict[str, Any] | None | Unset
        if isinstance(self.result, Unset):
            result = UNSET
        elif isinstance(self.result, ResultInfo):
            result = self.result.to_dict()
        else:
            result = self.result

        result_url: None | str | Unset
        if isinstance(self.result_url, Unset):
            result_url = UNSET
        else:
            result_url = self.result_url

        thumbnail_url: None | str | Unset
        if isinstance(self.thumbnail_url, Unset):
            thumbnail_url = UNSET
        else:
            thumbnail_url = self.thumbnail_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "duration_seconds": duration_seconds,
                "error": error,
                "finished_at": finished_at,
                "job_id": job_id,
                "model": model,
                "original": original,
                "original_url": original_url,
                "params": params,
                "progress": progress,
                "provider": provider,
                "started_at": started_at,
                "status": status,
                "worker_id": worker_id,
            }
        )
        if estimated_seconds is not UNSET:
            field_dict["estimated_seconds"] = estimated_seconds
        if estimated_seconds_at_upload is not UNSET:
            field_dict["estimated_seconds_at_upload"] = estimated_seconds_at_upload
        if files_removed_at is not UNSET:
            field_dict["files_removed_at"] = files_removed_at
        if instant_repeat is not UNSET:
            field_dict["instant_repeat"] = instant_repeat
        if links is not UNSET:
            field_dict["links"] = links
        if model_reason is not UNSET:
            field_dict["model_reason"] = model_reason
        if notifications is not UNSET:
            field_dict["notifications"] = notifications
        if precision is not UNSET:
            field_dict["precision"] = precision
        if queue_position is not UNSET:
            field_dict["queue_position"] = queue_position
        if result is not UNSET:
            field_dict["result"] = result
        if result_url is not UNSET:
            field_dict["result_url"] = result_url
        if thumbnail_url is not UNSET:
            field_dict["thumbnail_url"] = thumbnail_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_out_links import JobOutLinks  # noqa: PLC0415
        from ..models.job_out_params import JobOutParams  # noqa: PLC0415
        from ..models.notification_out import NotificationOut  # noqa: PLC0415
        from ..models.original_info import OriginalInfo  # noqa: PLC0415
        from ..models.result_info import ResultInfo  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_duration_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_seconds = _parse_duration_seconds(d.pop("duration_seconds"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        job_id = d.pop("job_id")

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        original = OriginalInfo.from_dict(d.pop("original"))

        original_url = d.pop("original_url")

        params = JobOutParams.from_dict(d.pop("params"))

        progress = d.pop("progress")

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = JobStatus(d.pop("status"))

        def _parse_worker_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker_id = _parse_worker_id(d.pop("worker_id"))

        def _parse_estimated_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        estimated_seconds = _parse_estimated_seconds(d.pop("estimated_seconds", UNSET))

        def _parse_estimated_seconds_at_upload(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        estimated_seconds_at_upload = _parse_estimated_seconds_at_upload(d.pop("estimated_seconds_at_upload", UNSET))

        def _parse_files_removed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                files_removed_at_type_0 = datetime.datetime.fromisoformat(data)

                return files_removed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        files_removed_at = _parse_files_removed_at(d.pop("files_removed_at", UNSET))

        instant_repeat = d.pop("instant_repeat", UNSET)

        _links = d.pop("links", UNSET)
        links: JobOutLinks | Unset
        if isinstance(_links, Unset):
            links = UNSET
        else:
            links = JobOutLinks.from_dict(_links)

        def _parse_model_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_reason = _parse_model_reason(d.pop("model_reason", UNSET))

        _notifications = d.pop("notifications", UNSET)
        notifications: list[NotificationOut] | Unset = UNSET
        if _notifications is not UNSET:
            notifications = []
            for notifications_item_data in _notifications:
                notifications_item = NotificationOut.from_dict(notifications_item_data)

                notifications.append(notifications_item)

        def _parse_precision(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        precision = _parse_precision(d.pop("precision", UNSET))

        def _parse_queue_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        queue_position = _parse_queue_position(d.pop("queue_position", UNSET))

        def _parse_result(data: object) -> None | ResultInfo | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = ResultInfo.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResultInfo | Unset, data)

        result = _parse_result(d.pop("result", UNSET))

        def _parse_result_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        result_url = _parse_result_url(d.pop("result_url", UNSET))

        def _parse_thumbnail_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thumbnail_url = _parse_thumbnail_url(d.pop("thumbnail_url", UNSET))

        job_out = cls(
            attempts=attempts,
            created_at=created_at,
            duration_seconds=duration_seconds,
            error=error,
            finished_at=finished_at,
            job_id=job_id,
            model=model,
            original=original,
            original_url=original_url,
            params=params,
            progress=progress,
            provider=provider,
            started_at=started_at,
            status=status,
            worker_id=worker_id,
            estimated_seconds=estimated_seconds,
            estimated_seconds_at_upload=estimated_seconds_at_upload,
            files_removed_at=files_removed_at,
            instant_repeat=instant_repeat,
            links=links,
            model_reason=model_reason,
            notifications=notifications,
            precision=precision,
            queue_position=queue_position,
            result=result,
            result_url=result_url,
            thumbnail_url=thumbnail_url,
        )

        job_out.additional_properties = d
        return job_out

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
