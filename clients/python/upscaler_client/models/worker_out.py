from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.worker_out_engines import WorkerOutEngines


T = TypeVar("T", bound="WorkerOut")


@_attrs_define
class WorkerOut:
    """
    Attributes:
        current_job_id (None | str):
        gpu (None | str):
        hostname (str):
        id (str):
        jobs_done (int):
        last_seen_at (datetime.datetime):
        online (bool):
        pid (int):
        provider (None | str):
        queues (list[str]):
        seconds_since_seen (float):
        started_at (datetime.datetime):
        engines (WorkerOutEngines | Unset): model name -> the engine path chosen at start
        load_per_core (float | None | Unset):
        precision (None | str | Unset):
        rss_bytes (int | None | Unset):
    """

    current_job_id: None | str
    gpu: None | str
    hostname: str
    id: str
    jobs_done: int
    last_seen_at: datetime.datetime
    online: bool
    pid: int
    provider: None | str
    queues: list[str]
    seconds_since_seen: float
    started_at: datetime.datetime
    engines: WorkerOutEngines | Unset = UNSET
    load_per_core: float | None | Unset = UNSET
    precision: None | str | Unset = UNSET
    rss_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current_job_id: None | str
        current_job_id = self.current_job_id

        gpu: None | str
        gpu = self.gpu

        hostname = self.hostname

        id = self.id

        jobs_done = self.jobs_done

        last_seen_at = self.last_seen_at.isoformat()

        online = self.online

        pid = self.pid

        provider: None | str
        provider = self.provider

        queues = self.queues

        seconds_since_seen = self.seconds_since_seen

        started_at = self.started_at.isoformat()

        engines: dict[str, Any] | Unset = UNSET
        if not isinstance(self.engines, Unset):
            engines = self.engines.to_dict()

        load_per_core: float | None | Unset
        if isinstance(self.load_per_core, Unset):
            load_per_core = UNSET
        else:
            load_per_core = self.load_per_core

        precision: None | str | Unset
        if isinstance(self.precision, Unset):
            precision = UNSET
        else:
            precision = self.precision

        rss_bytes: int | None | Unset
        if isinstance(self.rss_bytes, Unset):
            rss_bytes = UNSET
        else:
            rss_bytes = self.rss_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "current_job_id": current_job_id,
                "gpu": gpu,
                "hostname": hostname,
                "id": id,
                "jobs_done": jobs_done,
                "last_seen_at": last_seen_at,
                "online": online,
                "pid": pid,
                "provider": provider,
                "queues": queues,
                "seconds_since_seen": seconds_since_seen,
                "started_at": started_at,
            }
        )
        if engines is not UNSET:
            field_dict["engines"] = engines
        if load_per_core is not UNSET:
            field_dict["load_per_core"] = load_per_core
        if precision is not UNSET:
            field_dict["precision"] = precision
        if rss_bytes is not UNSET:
            field_dict["rss_bytes"] = rss_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.worker_out_engines import WorkerOutEngines  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_current_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        current_job_id = _parse_current_job_id(d.pop("current_job_id"))

        def _parse_gpu(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gpu = _parse_gpu(d.pop("gpu"))

        hostname = d.pop("hostname")

        id = d.pop("id")

        jobs_done = d.pop("jobs_done")

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        online = d.pop("online")

        pid = d.pop("pid")

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        queues = cast(list[str], d.pop("queues"))

        seconds_since_seen = d.pop("seconds_since_seen")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        _engines = d.pop("engines", UNSET)
        engines: WorkerOutEngines | Unset
        if isinstance(_engines, Unset):
            engines = UNSET
        else:
            engines = WorkerOutEngines.from_dict(_engines)

        def _parse_load_per_core(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        load_per_core = _parse_load_per_core(d.pop("load_per_core", UNSET))

        def _parse_precision(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        precision = _parse_precision(d.pop("precision", UNSET))

        def _parse_rss_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rss_bytes = _parse_rss_bytes(d.pop("rss_bytes", UNSET))

        worker_out = cls(
            current_job_id=current_job_id,
            gpu=gpu,
            hostname=hostname,
            id=id,
            jobs_done=jobs_done,
            last_seen_at=last_seen_at,
            online=online,
            pid=pid,
            provider=provider,
            queues=queues,
            seconds_since_seen=seconds_since_seen,
            started_at=started_at,
            engines=engines,
            load_per_core=load_per_core,
            precision=precision,
            rss_bytes=rss_bytes,
        )

        worker_out.additional_properties = d
        return worker_out

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
