from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.denoise import Denoise
from ..models.factor import Factor
from ..models.preview_status import PreviewStatus

if TYPE_CHECKING:
    from ..models.crop_region import CropRegion
    from ..models.model_preview import ModelPreview


T = TypeVar("T", bound="Preview")


@_attrs_define
class Preview:
    """
    Attributes:
        cached (bool): true: an identical earlier request's preview
        created_at (datetime.datetime):
        crop (CropRegion):
        crop_url (str):
        denoise (Denoise):
        factor (Factor):
        image_height (int):
        image_width (int):
        models (list[ModelPreview]):
        preview_id (str):
        status (PreviewStatus): A preview as a whole, and each model's part of it (the same words).
        status_url (str):
    """

    cached: bool
    created_at: datetime.datetime
    crop: CropRegion
    crop_url: str
    denoise: Denoise
    factor: Factor
    image_height: int
    image_width: int
    models: list[ModelPreview]
    preview_id: str
    status: PreviewStatus
    status_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cached = self.cached

        created_at = self.created_at.isoformat()

        crop = self.crop.to_dict()

        crop_url = self.crop_url

        denoise = self.denoise.value

        factor = self.factor.value

        image_height = self.image_height

        image_width = self.image_width

        models = []
        for models_item_data in self.models:
            models_item = models_item_data.to_dict()
            models.append(models_item)

        preview_id = self.preview_id

        status = self.status.value

        status_url = self.status_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cached": cached,
                "created_at": created_at,
                "crop": crop,
                "crop_url": crop_url,
                "denoise": denoise,
                "factor": factor,
                "image_height": image_height,
                "image_width": image_width,
                "models": models,
                "preview_id": preview_id,
                "status": status,
                "status_url": status_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.crop_region import CropRegion  # noqa: PLC0415
        from ..models.model_preview import ModelPreview  # noqa: PLC0415

        d = dict(src_dict)
        cached = d.pop("cached")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        crop = CropRegion.from_dict(d.pop("crop"))

        crop_url = d.pop("crop_url")

        denoise = Denoise(d.pop("denoise"))

        factor = Factor(d.pop("factor"))

        image_height = d.pop("image_height")

        image_width = d.pop("image_width")

        models = []
        _models = d.pop("models")
        for models_item_data in _models:
            models_item = ModelPreview.from_dict(models_item_data)

            models.append(models_item)

        preview_id = d.pop("preview_id")

        status = PreviewStatus(d.pop("status"))

        status_url = d.pop("status_url")

        preview = cls(
            cached=cached,
            created_at=created_at,
            crop=crop,
            crop_url=crop_url,
            denoise=denoise,
            factor=factor,
            image_height=image_height,
            image_width=image_width,
            models=models,
            preview_id=preview_id,
            status=status,
            status_url=status_url,
        )

        preview.additional_properties = d
        return preview

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
