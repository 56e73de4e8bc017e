"""GET /api/v1/service-info: what the upload form needs to know, live.

Limits come from the run-time settings (an admin's change shows within
seconds), the choices from the shared contracts, and what is installed from
the models table, so the page never offers what the server would refuse.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from upscaler.catalog.service import active_models, choose_model, face_refinement_available
from upscaler.context import AppContext
from upscaler.contracts import Denoise, Factor, JobStatus, OutputFormat, Preset
from upscaler.deps import ContextDep
from upscaler.jobs import state_machine
from upscaler.jobs.estimate import seconds_per_megapixel
from upscaler.web.templating import TYPE_LABELS

router = APIRouter(prefix="/api/v1", tags=["service"])

#: File name endings a person's files carry for each accepted type.
EXTENSIONS_BY_MIME = {
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/webp": [".webp"],
    "image/tiff": [".tif", ".tiff"],
    "image/gif": [".gif"],
}
LOSSY_FORMATS = [OutputFormat.JPG.value, OutputFormat.WEBP.value]
DEFAULT_QUALITY = 92
FACE_UNAVAILABLE_REASON = "No face-restoration model is installed on this server."
NO_MODEL_NOTICE = "No upscaling model is installed yet, so uploads are not accepted."


class Choice(BaseModel):
    value: str
    label: str
    description: str = ""


class UploadLimits(BaseModel):
    max_upload_size_bytes: int = Field(description="largest accepted file, in bytes")
    accepted_mime_types: list[str] = Field(description="decided from the file's bytes")
    accepted_type_labels: list[str]
    accepted_extensions: list[str]
    max_input_pixels: int = Field(description="width x height of the input image")
    rate_limit_per_minute: int = Field(description="uploads per minute per client; 0 = no limit")


class UploadChoices(BaseModel):
    factors: list[Choice]
    presets: list[Choice]
    denoise_levels: list[Choice]
    output_formats: list[Choice]
    lossy_formats: list[str] = Field(description="output formats that take a quality")
    default_quality: int
    quality_min: int = 1
    quality_max: int = 100


class FaceRefinement(BaseModel):
    available: bool
    reason: str | None = Field(default=None, description="why not, when unavailable")


class QueueInfo(BaseModel):
    queued_jobs: int
    running_jobs: int
    seconds_per_megapixel: float = Field(
        description="a typical worker's time per input megapixel on the default model"
    )


class ServiceInfo(BaseModel):
    accepting_uploads: bool
    notice: str | None = Field(
        default=None, description="why uploads are refused (maintenance), in words"
    )
    limits: UploadLimits
    choices: UploadChoices
    face_refinement: FaceRefinement
    models: list[str] = Field(description="installed, active upscaling models")
    preset_models: dict[str, str] = Field(description="the model each preset runs")
    queue: QueueInfo


FACTORS = [
    Choice(
        value=Factor.X2.value,
        label="2\N{MULTIPLICATION SIGN}",
        description="twice the width and height",
    ),
    Choice(
        value=Factor.X4.value,
        label="4\N{MULTIPLICATION SIGN}",
        description="four times the width and height",
    ),
]
PRESETS = [
    Choice(value=Preset.PHOTO.value, label="Photo", description="Natural photographs and scans"),
    Choice(
        value=Preset.ART.value,
        label="Art & anime",
        description="Drawings, illustrations, anime and cartoons",
    ),
    Choice(value=Preset.FACE.value, label="Faces", description="Portraits and people"),
    Choice(
        value=Preset.STANDARD.value,
        label="Standard",
        description="The server's best general-purpose model",
    ),
]
DENOISE = [
    Choice(value=Denoise.NONE.value, label="None", description="Keep the image's texture"),
    Choice(value=Denoise.LOW.value, label="Low", description="Remove light noise"),
    Choice(value=Denoise.MED.value, label="Medium", description="Remove visible noise"),
    Choice(value=Denoise.HIGH.value, label="High", description="Strong noise and JPEG artefacts"),
]
OUTPUT_FORMATS = [
    Choice(value=OutputFormat.PNG.value, label="PNG", description="Lossless, largest files"),
    Choice(value=OutputFormat.JPG.value, label="JPEG", description="Small files, no transparency"),
    Choice(value=OutputFormat.WEBP.value, label="WebP", description="Small files, transparency"),
    Choice(
        value=OutputFormat.SAME.value,
        label="Same as the input",
        description="Keep the uploaded file's format",
    ),
]


async def build_service_info(context: AppContext) -> ServiceInfo:
    live = await context.live.get()
    async with context.sessions() as session:
        models = [m for m in await active_models(session) if not m.default_params.get("variant_of")]
        face = await face_refinement_available(session)
        preset_models = {}
        for preset in Preset:
            chosen = choose_model(models, preset)
            if chosen is not None:
                preset_models[preset.value] = chosen.name
        default_model = choose_model(models, Preset.STANDARD)
        rate = await seconds_per_megapixel(session, default_model)
        queued = await state_machine.count_with_status(session, JobStatus.QUEUED)
        running = await state_machine.count_with_status(session, JobStatus.RUNNING)
    notice = None
    if live.maintenance_mode:
        notice = live.maintenance_message
    elif default_model is None:
        notice = NO_MODEL_NOTICE
    return ServiceInfo(
        accepting_uploads=notice is None,
        notice=notice,
        limits=UploadLimits(
            max_upload_size_bytes=live.max_upload_size_bytes,
            accepted_mime_types=list(live.allowed_mimes),
            accepted_type_labels=[TYPE_LABELS[m] for m in live.allowed_mimes],
            accepted_extensions=[e for m in live.allowed_mimes for e in EXTENSIONS_BY_MIME[m]],
            max_input_pixels=live.max_input_pixels,
            rate_limit_per_minute=live.rate_limit_per_minute,
        ),
        choices=UploadChoices(
            factors=FACTORS,
            presets=PRESETS,
            denoise_levels=DENOISE,
            output_formats=OUTPUT_FORMATS,
            lossy_formats=LOSSY_FORMATS,
            default_quality=DEFAULT_QUALITY,
        ),
        face_refinement=FaceRefinement(
            available=face, reason=None if face else FACE_UNAVAILABLE_REASON
        ),
        models=[m.name for m in models],
        preset_models=preset_models,
        queue=QueueInfo(
            queued_jobs=queued, running_jobs=running, seconds_per_megapixel=round(rate, 3)
        ),
    )


@router.get("/service-info", response_model=ServiceInfo)
async def get_service_info(context: ContextDep) -> ServiceInfo:
    """The live upload limits, the choices the upload form offers, whether face
    refinement is available (and why not), the installed models and the queue,
    for the public page and for clients that want to validate before uploading."""
    return await build_service_info(context)
