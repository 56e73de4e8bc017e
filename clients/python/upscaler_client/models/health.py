from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.model_health import ModelHealth


T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """
    Attributes:
        engine_paths (list[str]): the engine paths (provider-precision, e.g. openvino-bf16) the online workers chose for
            their models
        free_disk_percent (float | None):
        mode (str):
        models (list[ModelHealth]):
        precisions (list[str]): the precisions the online workers run at
        problems (list[str]):
        providers (list[str]):
        queue_length (int):
        running (int):
        status (str):
        workers_online (int):
    """

    engine_paths: list[str]
    free_disk_percent: float | None
    mode: str
    models: list[ModelHealth]
    precisions: list[str]
    problems: list[str]
    providers: list[str]
    queue_length: int
    running: int
    status: str
    workers_online: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        engine_paths = self.engine_paths

        free_disk_percent: float | None
        free_disk_percent = self.free_disk_percent

        mode = self.mode

        models = []
        for models_item_data in self.models:
            models_item = models_item_data.to_dict()
            models.append(models_item)

        precisions = self.precisions

        problems = self.problems

        providers = self.providers

        queue_length = self.queue_length

        running = self.running

        status = self.status

        workers_online = self.workers_online

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "engine_paths": engine_paths,
                "free_disk_percent": free_disk_percent,
                "mode": mode,
                "models": models,
                "precisions": precisions,
                "problems": problems,
                "providers": providers,
                "queue_length": queue_length,
                "running": running,
                "status": status,
                "workers_online": workers_online,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_health import ModelHealth  # noqa: PLC0415

        d = dict(src_dict)
        engine_paths = cast(list[str], d.pop("engine_paths"))

        def _parse_free_disk_percent(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        free_disk_percent = _parse_free_disk_percent(d.pop("free_disk_percent"))

        mode = d.pop("mode")

        models = []
        _models = d.pop("models")
        for models_item_data in _models:
            models_item = ModelHealth.from_dict(models_item_data)

            models.append(models_item)

        precisions = cast(list[str], d.pop("precisions"))

        problems = cast(list[str], d.pop("problems"))

        providers = cast(list[str], d.pop("providers"))

        queue_length = d.pop("queue_length")

        running = d.pop("running")

        status = d.pop("status")

        workers_online = d.pop("workers_online")

        health = cls(
            engine_paths=engine_paths,
            free_disk_percent=free_disk_percent,
            mode=mode,
            models=models,
            precisions=precisions,
            problems=problems,
            providers=providers,
            queue_length=queue_length,
            running=running,
            status=status,
            workers_online=workers_online,
        )

        health.additional_properties = d
        return health

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
