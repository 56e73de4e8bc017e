from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.face_refinement import FaceRefinement
    from ..models.queue_info import QueueInfo
    from ..models.service_info_preset_models import ServiceInfoPresetModels
    from ..models.upload_choices import UploadChoices
    from ..models.upload_limits import UploadLimits


T = TypeVar("T", bound="ServiceInfo")


@_attrs_define
class ServiceInfo:
    """
    Attributes:
        accepting_uploads (bool):
        choices (UploadChoices):
        face_refinement (FaceRefinement):
        limits (UploadLimits):
        models (list[str]): installed, active upscaling models
        preset_models (ServiceInfoPresetModels): the model each preset runs
        queue (QueueInfo):
        notice (None | str | Unset): why uploads are refused (maintenance), in words
    """

    accepting_uploads: bool
    choices: UploadChoices
    face_refinement: FaceRefinement
    limits: UploadLimits
    models: list[str]
    preset_models: ServiceInfoPresetModels
    queue: QueueInfo
    notice: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accepting_uploads = self.accepting_uploads

        choices = self.choices.to_dict()

        face_refinement = self.face_refinement.to_dict()

        limits = self.limits.to_dict()

        models = self.models

        preset_models = self.preset_models.to_dict()

        queue = self.queue.to_dict()

        notice: None | str | Unset
        if isinstance(self.notice, Unset):
            notice = UNSET
        else:
            notice = self.notice

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accepting_uploads": accepting_uploads,
                "choices": choices,
                "face_refinement": face_refinement,
                "limits": limits,
                "models": models,
                "preset_models": preset_models,
                "queue": queue,
            }
        )
        if notice is not UNSET:
            field_dict["notice"] = notice

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.face_refinement import FaceRefinement  # noqa: PLC0415
        from ..models.queue_info import QueueInfo  # noqa: PLC0415
        from ..models.service_info_preset_models import ServiceInfoPresetModels  # noqa: PLC0415
        from ..models.upload_choices import UploadChoices  # noqa: PLC0415
        from ..models.upload_limits import UploadLimits  # noqa: PLC0415

        d = dict(src_dict)
        accepting_uploads = d.pop("accepting_uploads")

        choices = UploadChoices.from_dict(d.pop("choices"))

        face_refinement = FaceRefinement.from_dict(d.pop("face_refinement"))

        limits = UploadLimits.from_dict(d.pop("limits"))

        models = cast(list[str], d.pop("models"))

        preset_models = ServiceInfoPresetModels.from_dict(d.pop("preset_models"))

        queue = QueueInfo.from_dict(d.pop("queue"))

        def _parse_notice(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notice = _parse_notice(d.pop("notice", UNSET))

        service_info = cls(
            accepting_uploads=accepting_uploads,
            choices=choices,
            face_refinement=face_refinement,
            limits=limits,
            models=models,
            preset_models=preset_models,
            queue=queue,
            notice=notice,
        )

        service_info.additional_properties = d
        return service_info

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
