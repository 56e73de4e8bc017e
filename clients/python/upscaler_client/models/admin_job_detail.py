from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.admin_job_detail_engine import AdminJobDetailEngine
    from ..models.admin_job_detail_params import AdminJobDetailParams
    from ..models.audit_entry_out import AuditEntryOut
    from ..models.result_out import ResultOut
    from ..models.upload_info import UploadInfo


T = TypeVar("T", bound="AdminJobDetail")


@_attrs_define
class AdminJobDetail:
    """
    Attributes:
        attempts (int):
        audit (list[AuditEntryOut]):
        created_at (datetime.datetime):
        duration_seconds (float | None):
        engine (AdminJobDetailEngine):
        enqueued_at (datetime.datetime | None):
        error (None | str):
        filename (str):
        finished_at (datetime.datetime | None):
        job_id (str):
        lease_expires_at (datetime.datetime | None):
        model (None | str):
        original_url (str):
        owner (None | str):
        params (AdminJobDetailParams):
        progress (int):
        provider (None | str):
        queue (str):
        queue_position (int | None):
        requeued_as (list[str]):
        requeued_from (None | str):
        result (ResultOut):
        result_url (None | str):
        started_at (datetime.datetime | None):
        status (JobStatus):
        thumbnail_url (None | str):
        upload (UploadInfo):
        worker_id (None | str):
        batch_id (None | str | Unset): the batch it belongs to
        precision (None | str | Unset):
        repeat_of (None | str | Unset): an instant repeat: the job whose files it shares
    """

    attempts: int
    audit: list[AuditEntryOut]
    created_at: datetime.datetime
    duration_seconds: float | None
    engine: AdminJobDetailEngine
    enqueued_at: datetime.datetime | None
    error: None | str
    filename: str
    finished_at: datetime.datetime | None
    job_id: str
    lease_expires_at: datetime.datetime | None
    model: None | str
    original_url: str
    owner: None | str
    params: AdminJobDetailParams
    progress: int
    provider: None | str
    queue: str
    queue_position: int | None
    requeued_as: list[str]
    requeued_from: None | str
    result: ResultOut
    result_url: None | str
    started_at: datetime.datetime | None
    status: JobStatus
    thumbnail_url: None | str
    upload: UploadInfo
    worker_id: None | str
    batch_id: None | str | Unset = UNSET
    precision: None | str | Unset = UNSET
    repeat_of: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        audit = []
        for audit_item_data in self.audit:
            audit_item = audit_item_data.to_dict()
            audit.append(audit_item)

        created_at = self.created_at.isoformat()

        duration_seconds: float | None
        duration_seconds = self.duration_seconds

        engine = self.engine.to_dict()

        enqueued_at: None | str
        if isinstance(self.enqueued_at, datetime.datetime):
            enqueued_at = self.enqueued_at.isoformat()
        else:
            enqueued_at = self.enqueued_at

        error: None | str
        error = self.error

        filename = self.filename

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        job_id = self.job_id

        lease_expires_at: None | str
        if isinstance(self.lease_expires_at, datetime.datetime):
            lease_expires_at = self.lease_expires_at.isoformat()
        else:
            lease_expires_at = self.lease_expires_at

        model: None | str
        model = self.model

        original_url = self.original_url

        owner: None | str
        owner = self.owner

        params = self.params.to_dict()

        progress = self.progress

        provider: None | str
        provider = self.provider

        queue = self.queue

        queue_position: int | None
        queue_position = self.queue_position

        requeued_as = self.requeued_as

        requeued_from: None | str
        requeued_from = self.requeued_from

        result = self.result.to_dict()

        result_url: None | str
        result_url = self.result_url

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        thumbnail_url: None | str
        thumbnail_url = self.thumbnail_url

        upload = self.upload.to_dict()

        worker_id: None | str
        worker_id = self.worker_id

        batch_id: None | str | Unset
        if isinstance(self.batch_id, Unset):
            batch_id = UNSET
        else:
            batch_id = self.batch_id

        precision: None | str | Unset
        if isinstance(self.precision, Unset):
            precision = UNSET
        else:
            precision = self.precision

        repeat_of: None | str | Unset
        if isinstance(self.repeat_of, Unset):
            repeat_of = UNSET
        else:
            repeat_of = self.repeat_of

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "audit": audit,
                "created_at": created_at,
                "duration_seconds": duration_seconds,
                "engine": engine,
                "enqueued_at": enqueued_at,
                "error": error,
                "filename": filename,
                "finished_at": finished_at,
                "job_id": job_id,
                "lease_expires_at": lease_expires_at,
                "model": model,
                "original_url": original_url,
                "owner": owner,
                "params": params,
                "progress": progress,
                "provider": provider,
                "queue": queue,
                "queue_position": queue_position,
                "requeued_as": requeued_as,
                "requeued_from": requeued_from,
                "result": result,
                "result_url": result_url,
                "started_at": started_at,
                "status": status,
                "thumbnail_url": thumbnail_url,
                "upload": upload,
                "worker_id": worker_id,
            }
        )
        if batch_id is not UNSET:
            field_dict["batch_id"] = batch_id
        if precision is not UNSET:
            field_dict["precision"] = precision
        if repeat_of is not UNSET:
            field_dict["repeat_of"] = repeat_of

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.admin_job_detail_engine import AdminJobDetailEngine  # noqa: PLC0415
        from ..models.admin_job_detail_params import AdminJobDetailParams  # noqa: PLC0415
        from ..models.audit_entry_out import AuditEntryOut  # noqa: PLC0415
        from ..models.result_out import ResultOut  # noqa: PLC0415
        from ..models.upload_info import UploadInfo  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        audit = []
        _audit = d.pop("audit")
        for audit_item_data in _audit:
            audit_item = AuditEntryOut.from_dict(audit_item_data)

            audit.append(audit_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_duration_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_seconds = _parse_duration_seconds(d.pop("duration_seconds"))

        engine = AdminJobDetailEngine.from_dict(d.pop("engine"))

        def _parse_enqueued_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                enqueued_at_type_0 = datetime.datetime.fromisoformat(data)

                return enqueued_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        enqueued_at = _parse_enqueued_at(d.pop("enqueued_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        filename = d.pop("filename")

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

        def _parse_lease_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lease_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return lease_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        lease_expires_at = _parse_lease_expires_at(d.pop("lease_expires_at"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        original_url = d.pop("original_url")

        def _parse_owner(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        owner = _parse_owner(d.pop("owner"))

        params = AdminJobDetailParams.from_dict(d.pop("params"))

        progress = d.pop("progress")

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        queue = d.pop("queue")

        def _parse_queue_position(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        queue_position = _parse_queue_position(d.pop("queue_position"))

        requeued_as = cast(list[str], d.pop("requeued_as"))

        def _parse_requeued_from(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        requeued_from = _parse_requeued_from(d.pop("requeued_from"))

        result = ResultOut.from_dict(d.pop("result"))

        def _parse_result_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        result_url = _parse_result_url(d.pop("result_url"))

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

        def _parse_thumbnail_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        thumbnail_url = _parse_thumbnail_url(d.pop("thumbnail_url"))

        upload = UploadInfo.from_dict(d.pop("upload"))

        def _parse_worker_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker_id = _parse_worker_id(d.pop("worker_id"))

        def _parse_batch_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        batch_id = _parse_batch_id(d.pop("batch_id", UNSET))

        def _parse_precision(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        precision = _parse_precision(d.pop("precision", UNSET))

        def _parse_repeat_of(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        repeat_of = _parse_repeat_of(d.pop("repeat_of", UNSET))

        admin_job_detail = cls(
            attempts=attempts,
            audit=audit,
            created_at=created_at,
            duration_seconds=duration_seconds,
            engine=engine,
            enqueued_at=enqueued_at,
            error=error,
            filename=filename,
            finished_at=finished_at,
            job_id=job_id,
            lease_expires_at=lease_expires_at,
            model=model,
            original_url=original_url,
            owner=owner,
            params=params,
            progress=progress,
            provider=provider,
            queue=queue,
            queue_position=queue_position,
            requeued_as=requeued_as,
            requeued_from=requeued_from,
            result=result,
            result_url=result_url,
            started_at=started_at,
            status=status,
            thumbnail_url=thumbnail_url,
            upload=upload,
            worker_id=worker_id,
            batch_id=batch_id,
            precision=precision,
            repeat_of=repeat_of,
        )

        admin_job_detail.additional_properties = d
        return admin_job_detail

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
