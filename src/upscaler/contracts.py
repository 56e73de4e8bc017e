"""Contracts shared by the API and the workers.

Everything both sides must agree on lives here and only here: queue and actor
names, the job state machine, the request parameters, and the shape of the
progress events. The API never imports the worker package; it talks to it
through these names and the database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: The one actor that processes a job. Its only argument is the job id.
PROCESS_JOB_ACTOR = "process_job"
#: Checks an admin-uploaded ONNX model (argument: the model's name) with ONNX
#: Runtime and marks its row active or invalid.
VALIDATE_MODEL_ACTOR = "validate_model"
#: Registers the models installed in the receiving worker's model_dir (no argument).
SYNC_MODELS_ACTOR = "sync_models"
#: Delivers one completion notification (arguments: job id, "webhook" | "email").
NOTIFY_JOB_ACTOR = "notify_job"
#: The broker queue of notifications; every worker (embedded, cpu and gpu
#: pools) consumes it besides its pool's queues.
NOTIFICATIONS_QUEUE = "notifications"
#: Upscales one preview's crop with every model it lists (argument: the preview id).
PREVIEW_ACTOR = "run_preview"
#: The broker queue of previews. Every worker consumes it, with a thread of
#: its own, so a preview takes seconds even while a long job runs.
PREVIEWS_QUEUE = "previews"


class Queue(StrEnum):
    """Worker pools. A job's model decides which pool runs it."""

    CPU = "cpu"
    GPU = "gpu"

    @property
    def priority(self) -> str:
        """The pool's priority queue: jobs that were already running (their
        worker died or stopped) go here, ahead of the backlog."""
        return f"{self.value}-priority"

    @property
    def broker_queues(self) -> tuple[str, str]:
        """Every broker queue a worker of this pool consumes."""
        return (self.priority, self.value)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})


class PreviewStatus(StrEnum):
    """A preview as a whole, and each model's part of it (the same words)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ModelStatus(StrEnum):
    """A model row's status (the `models.status` column holds these values).

    Only ACTIVE models are offered to jobs. An admin demotes and promotes;
    an uploaded model waits in VALIDATING until a worker has checked it and
    then becomes ACTIVE or INVALID (`status_reason` says why).
    """

    ACTIVE = "active"
    DEMOTED = "demoted"
    MISSING = "missing"
    VALIDATING = "validating"
    INVALID = "invalid"


class Factor(StrEnum):
    X2 = "2x"
    X4 = "4x"

    @property
    def scale(self) -> int:
        return int(self.value[:-1])


class Preset(StrEnum):
    PHOTO = "photo"
    ART = "art"
    FACE = "face"
    STANDARD = "standard"


class Denoise(StrEnum):
    NONE = "none"
    LOW = "low"
    MED = "med"
    HIGH = "high"


class OutputFormat(StrEnum):
    """Result encoding. SAME keeps the input's format where it can be written."""

    PNG = "png"
    JPG = "jpg"
    WEBP = "webp"
    SAME = "same"


class Fit(StrEnum):
    """How an image meets a target size: inside it (one side exact, aspect
    kept) or filling it (both sides exact, the overflow cropped at the centre)."""

    CONTAIN = "contain"
    COVER = "cover"


class PrintSize(StrEnum):
    """Paper sizes; the target in pixels is the size at the job's dpi (300 unless
    given), turned to the image's orientation."""

    A3 = "a3"
    A4 = "a4"
    A5 = "a5"
    A6 = "a6"
    LETTER = "letter"
    P10X15 = "10x15cm"
    P13X18 = "13x18cm"
    P20X30 = "20x30cm"


class TargetSize(BaseModel):
    """An exact result size, worked out at upload (upscaler.sizing): the model's
    result is resized to `resize_width` x `resize_height` (Lanczos), then cropped
    at the centre to `width` x `height` (the same, unless the fit is cover)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    width: int = Field(ge=1)
    height: int = Field(ge=1)
    resize_width: int = Field(ge=1)
    resize_height: int = Field(ge=1)
    fit: Fit = Fit.CONTAIN
    print_size: PrintSize | None = None
    #: Written into the result (PNG pHYs, JPEG JFIF, TIFF); None keeps the input's.
    dpi: int | None = None


class JobParams(BaseModel):
    """What the person asked for. Stored on the job as JSON, read by the worker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: Factor = Factor.X4
    preset: Preset = Preset.STANDARD
    denoise: Denoise = Denoise.NONE
    refine_faces: bool = False
    output_format: OutputFormat = OutputFormat.PNG
    quality: int = Field(default=92, ge=1, le=100)
    email: str | None = None
    callback_url: str | None = None
    #: Set when the person asked for a size rather than (only) a factor; then
    #: `factor` is the model pass chosen for it.
    target: TargetSize | None = None
    #: The free tier's mark on the result (decided at upload from the caller's plan).
    watermark: bool = False


#: "state": the status changed (subscribers re-read the job); "progress": a tile finished.
EventKind = Literal["state", "progress"]


class JobEvent(BaseModel):
    """One progress or state change, published per job and streamed over SSE.

    The first event a subscriber gets is built from the database, so a late
    subscriber still sees the current state; the rest come from the bus.
    """

    model_config = ConfigDict(extra="ignore")

    job_id: str
    kind: EventKind = "state"
    status: JobStatus
    progress: int = Field(ge=0, le=100)
    stage: str | None = None
    message: str | None = None
    at: datetime
    # Filled in by the API when it relays a terminal event (signed URLs are
    # minted per request, never published on the bus).
    result_url: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


def job_channel(job_id: str) -> str:
    """The pub/sub channel that carries one job's events."""
    return f"upscaler:job-events:{job_id}"


#: A pattern matching every job's channel, for dashboards.
ALL_JOBS_PATTERN = "upscaler:job-events:*"
