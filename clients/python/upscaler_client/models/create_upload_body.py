from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.denoise import Denoise
from ..models.factor import Factor
from ..models.output_format import OutputFormat
from ..models.preset import Preset
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreateUploadBody")


@_attrs_define
class CreateUploadBody:
    """
    Attributes:
        factor (Factor):
        file (File): JPEG, PNG, WebP or TIFF
        callback_url (str | Unset):
        denoise (Denoise | Unset):
        email (str | Unset):
        output_format (OutputFormat | Unset): Result encoding. SAME keeps the input's format where it can be written.
        preset (Preset | Unset):
        quality (int | Unset):  Default: 92.
        refine_faces (bool | Unset):  Default: False.
    """

    factor: Factor
    file: File
    callback_url: str | Unset = UNSET
    denoise: Denoise | Unset = UNSET
    email: str | Unset = UNSET
    output_format: OutputFormat | Unset = UNSET
    preset: Preset | Unset = UNSET
    quality: int | Unset = 92
    refine_faces: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        factor = self.factor.value

        file = self.file.to_tuple()

        callback_url = self.callback_url

        denoise: str | Unset = UNSET
        if not isinstance(self.denoise, Unset):
            denoise = self.denoise.value

        email = self.email

        output_format: str | Unset = UNSET
        if not isinstance(self.output_format, Unset):
            output_format = self.output_format.value

        preset: str | Unset = UNSET
        if not isinstance(self.preset, Unset):
            preset = self.preset.value

        quality = self.quality

        refine_faces = self.refine_faces

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "factor": factor,
                "file": file,
            }
        )
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if denoise is not UNSET:
            field_dict["denoise"] = denoise
        if email is not UNSET:
            field_dict["email"] = email
        if output_format is not UNSET:
            field_dict["output_format"] = output_format
        if preset is not UNSET:
            field_dict["preset"] = preset
        if quality is not UNSET:
            field_dict["quality"] = quality
        if refine_faces is not UNSET:
            field_dict["refine_faces"] = refine_faces

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("factor", (None, str(self.factor.value).encode(), "text/plain")))

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.callback_url, Unset):
            files.append(("callback_url", (None, str(self.callback_url).encode(), "text/plain")))

        if not isinstance(self.denoise, Unset):
            files.append(("denoise", (None, str(self.denoise.value).encode(), "text/plain")))

        if not isinstance(self.email, Unset):
            files.append(("email", (None, str(self.email).encode(), "text/plain")))

        if not isinstance(self.output_format, Unset):
            files.append(("output_format", (None, str(self.output_format.value).encode(), "text/plain")))

        if not isinstance(self.preset, Unset):
            files.append(("preset", (None, str(self.preset.value).encode(), "text/plain")))

        if not isinstance(self.quality, Unset):
            files.append(("quality", (None, str(self.quality).encode(), "text/plain")))

        if not isinstance(self.refine_faces, Unset):
            files.append(("refine_faces", (None, str(self.refine_faces).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        factor = Factor(d.pop("factor"))

        file = File(payload=BytesIO(d.pop("file")))

        callback_url = d.pop("callback_url", UNSET)

        _denoise = d.pop("denoise", UNSET)
        denoise: Denoise | Unset
        if isinstance(_denoise, Unset):
            denoise = UNSET
        else:
            denoise = Denoise(_denoise)

        email = d.pop("email", UNSET)

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

        quality = d.pop("quality", UNSET)

        refine_faces = d.pop("refine_faces", UNSET)

        create_upload_body = cls(
            factor=factor,
            file=file,
            callback_url=callback_url,
            denoise=denoise,
            email=email,
            output_format=output_format,
            preset=preset,
            quality=quality,
            refine_faces=refine_faces,
        )

        create_upload_body.additional_properties = d
        return create_upload_body

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
