from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.create_batch_body_fit import CreateBatchBodyFit
from ..models.create_batch_body_print_size import CreateBatchBodyPrintSize
from ..models.denoise import Denoise
from ..models.factor import Factor
from ..models.output_format import OutputFormat
from ..models.preset import Preset
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreateBatchBody")


@_attrs_define
class CreateBatchBody:
    """
    Attributes:
        file (list[File]): Images and/or ZIPs of images (folders kept); send `file` many times
        denoise (Denoise | Unset):
        dpi (int | Unset): Written into the result; with print_size, 300 unless given
        factor (Factor | Unset):
        fit (CreateBatchBodyFit | Unset):  Default: CreateBatchBodyFit.CONTAIN.
        model (str | Unset): Run this model (by name, as a preview lists them) instead of the preset's choice
        output_format (OutputFormat | Unset): Result encoding. SAME keeps the input's format where it can be written.
        preset (Preset | Unset):
        print_size (CreateBatchBodyPrintSize | Unset):
        quality (int | Unset):  Default: 92.
        refine_faces (bool | Unset):  Default: False.
        target_height (int | Unset):
        target_width (int | Unset):
    """

    file: list[File]
    denoise: Denoise | Unset = UNSET
    dpi: int | Unset = UNSET
    factor: Factor | Unset = UNSET
    fit: CreateBatchBodyFit | Unset = CreateBatchBodyFit.CONTAIN
    model: str | Unset = UNSET
    output_format: OutputFormat | Unset = UNSET
    preset: Preset | Unset = UNSET
    print_size: CreateBatchBodyPrintSize | Unset = UNSET
    quality: int | Unset = 92
    refine_faces: bool | Unset = False
    target_height: int | Unset = UNSET
    target_width: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = []
        for file_item_data in self.file:
            file_item = file_item_data.to_tuple()

            file.append(file_item)

        denoise: str | Unset = UNSET
        if not isinstance(self.denoise, Unset):
            denoise = self.denoise.value

        dpi = self.dpi

        factor: str | Unset = UNSET
        if not isinstance(self.factor, Unset):
            factor = self.factor.value

        fit: str | Unset = UNSET
        if not isinstance(self.fit, Unset):
            fit = self.fit.value

        model = self.model

        output_format: str | Unset = UNSET
        if not isinstance(self.output_format, Unset):
            output_format = self.output_format.value

        preset: str | Unset = UNSET
        if not isinstance(self.preset, Unset):
            preset = self.preset.value

        print_size: str | Unset = UNSET
        if not isinstance(self.print_size, Unset):
            print_size = self.print_size.value

        quality = self.quality

        refine_faces = self.refine_faces

        target_height = self.target_height

        target_width = self.target_width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if denoise is not UNSET:
            field_dict["denoise"] = denoise
        if dpi is not UNSET:
            field_dict["dpi"] = dpi
        if factor is not UNSET:
            field_dict["factor"] = factor
        if fit is not UNSET:
            field_dict["fit"] = fit
        if model is not UNSET:
            field_dict["model"] = model
        if output_format is not UNSET:
            field_dict["output_format"] = output_format
        if preset is not UNSET:
            field_dict["preset"] = preset
        if print_size is not UNSET:
            field_dict["print_size"] = print_size
        if quality is not UNSET:
            field_dict["quality"] = quality
        if refine_faces is not UNSET:
            field_dict["refine_faces"] = refine_faces
        if target_height is not UNSET:
            field_dict["target_height"] = target_height
        if target_width is not UNSET:
            field_dict["target_width"] = target_width

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        for file_item_element in self.file:
            files.append(("file", file_item_element.to_tuple()))

        if not isinstance(self.denoise, Unset):
            files.append(("denoise", (None, str(self.denoise.value).encode(), "text/plain")))

        if not isinstance(self.dpi, Unset):
            files.append(("dpi", (None, str(self.dpi).encode(), "text/plain")))

        if not isinstance(self.factor, Unset):
            files.append(("factor", (None, str(self.factor.value).encode(), "text/plain")))

        if not isinstance(self.fit, Unset):
            files.append(("fit", (None, str(self.fit.value).encode(), "text/plain")))

        if not isinstance(self.model, Unset):
            files.append(("model", (None, str(self.model).encode(), "text/plain")))

        if not isinstance(self.output_format, Unset):
            files.append(("output_format", (None, str(self.output_format.value).encode(), "text/plain")))

        if not isinstance(self.preset, Unset):
            files.append(("preset", (None, str(self.preset.value).encode(), "text/plain")))

        if not isinstance(self.print_size, Unset):
            files.append(("print_size", (None, str(self.print_size.value).encode(), "text/plain")))

        if not isinstance(self.quality, Unset):
            files.append(("quality", (None, str(self.quality).encode(), "text/plain")))

        if not isinstance(self.refine_faces, Unset):
            files.append(("refine_faces", (None, str(self.refine_faces).encode(), "text/plain")))

        if not isinstance(self.target_height, Unset):
            files.append(("target_height", (None, str(self.target_height).encode(), "text/plain")))

        if not isinstance(self.target_width, Unset):
            files.append(("target_width", (None, str(self.target_width).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = []
        _file = d.pop("file")
        for file_item_data in _file:
            file_item = File(payload=BytesIO(file_item_data))

            file.append(file_item)

        _denoise = d.pop("denoise", UNSET)
        denoise: Denoise | Unset
        if isinstance(_denoise, Unset):
            denoise = UNSET
        else:
            denoise = Denoise(_denoise)

        dpi = d.pop("dpi", UNSET)

        _factor = d.pop("factor", UNSET)
        factor: Factor | Unset
        if isinstance(_factor, Unset):
            factor = UNSET
        else:
            factor = Factor(_factor)

        _fit = d.pop("fit", UNSET)
        fit: CreateBatchBodyFit | Unset
        if isinstance(_fit, Unset):
            fit = UNSET
        else:
            fit = CreateBatchBodyFit(_fit)

        model = d.pop("model", UNSET)

        _output_format = d.pop("output_format", UNSET)
        output_format: OutputFormat | Unset
        if isinstance(_output_format, Unset):
            output_format = UNSET
        else:
            output_format = OutputFormat(_output_format)

        _preset = d.pop("preset", UNSET)
        preset: Preset | Unset
        if isinstance(_preset, Unset):
            preset = UNSET
        else:
            preset = Preset(_preset)

        _print_size = d.pop("print_size", UNSET)
        print_size: CreateBatchBodyPrintSize | Unset
        if isinstance(_print_size, Unset):
            print_size = UNSET
        else:
            print_size = CreateBatchBodyPrintSize(_print_size)

        quality = d.pop("quality", UNSET)

        refine_faces = d.pop("refine_faces", UNSET)

        target_height = d.pop("target_height", UNSET)

        target_width = d.pop("target_width", UNSET)

        create_batch_body = cls(
            file=file,
            denoise=denoise,
            dpi=dpi,
            factor=factor,
            fit=fit,
            model=model,
            output_format=output_format,
            preset=preset,
            print_size=print_size,
            quality=quality,
            refine_faces=refine_faces,
            target_height=target_height,
            target_width=target_width,
        )

        create_batch_body.additional_properties = d
        return create_batch_body

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
