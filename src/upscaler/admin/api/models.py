"""/api/v1/admin: models: register (ONNX or ncnn), promote, demote, default, validate, delete."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response, status

from upscaler.admin import convert, schemas
from upscaler.auth.deps import AdminPrincipal
from upscaler.catalog import model_uploads, ncnn_upload, registry
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError, FieldError
from upscaler.openapi import documented_error as error
from upscaler.receive import receive_upload

router = APIRouter()

MODEL_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "name"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "an .onnx model"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,63}$"},
        "presets": {"type": "string", "description": "comma-separated presets it serves"},
        "note": {"type": "string"},
        "gpu_required": {"type": "boolean", "default": False},
        "quality_rank": {"type": "integer", "default": 0},
        "expected_scale": {"type": "integer", "enum": [1, 2, 3, 4, 8]},
    },
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


def _int(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise APIError(
            400,
            "invalid_request",
            f"{field} must be a whole number",
            fields=[FieldError(field, "must be a whole number")],
        ) from exc


async def register_model_from_request(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> Any:
    """Shared by the API and the models page: stream the multipart body to
    disk under the model size limit, then register."""
    received = await receive_upload(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        limit=registry.MAX_MODEL_BYTES,
        spool_dir=context.settings.data_dir / "spool",
    )
    try:
        fields = received.fields
        return await model_uploads.register_upload(
            context,
            session,
            received,
            name=fields.get("name", ""),
            presets=_presets(fields),
            note=fields.get("note"),
            gpu_required=_flag(fields.get("gpu_required")),
            quality_rank=_int(fields.get("quality_rank"), "quality_rank") or 0,
            expected_scale=_int(fields.get("expected_scale"), "expected_scale"),
            actor=principal.actor,
        )
    finally:
        received.discard()


NCNN_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["param", "bin", "name"],
    "properties": {
        "param": {"type": "string", "format": "binary", "description": "the ncnn .param (text)"},
        "bin": {"type": "string", "format": "binary", "description": "the ncnn .bin (weights)"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,63}$"},
        "presets": {"type": "string", "description": "comma-separated presets it serves"},
        "note": {"type": "string"},
        "gpu_required": {"type": "boolean", "default": False},
        "quality_rank": {"type": "integer", "default": 0},
        "expected_scale": {"type": "integer", "enum": [1, 2, 3, 4, 8]},
    },
}


def _presets(fields: dict[str, str]) -> list[str]:
    presets = [p.strip() for p in fields.get("presets", "").split(",") if p.strip()]
    return presets + [v for k, v in fields.items() if k.startswith("preset_") and v]


async def register_ncnn_from_request(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> Any:
    """Shared by the API and the models page: stream both files to disk under
    their limits, read and recognise them, then register."""
    received = await ncnn_upload.receive_files(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        file_limits=ncnn_upload.limits(),
        spool_dir=context.settings.data_dir / "spool",
    )
    try:
        fields = received.fields
        return await model_uploads.register_ncnn_upload(
            context,
            session,
            received.files,
            name=fields.get("name", ""),
            presets=_presets(fields),
            note=fields.get("note"),
            gpu_required=_flag(fields.get("gpu_required")),
            quality_rank=_int(fields.get("quality_rank"), "quality_rank") or 0,
            expected_scale=_int(fields.get("expected_scale"), "expected_scale"),
            actor=principal.actor,
        )
    finally:
        await asyncio.to_thread(received.discard)


@router.get("/models", response_model=list[schemas.ModelOut])
async def get_models(session: SessionDep) -> list[schemas.ModelOut]:
    """Every model: architecture, scale, status, source, presets, default, size, notes."""
    return [convert.model_out(m) for m in await registry.list_models(session)]


@router.post(
    "/models",
    response_model=schemas.ModelOut,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": MODEL_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid fields"),
        409: error("A model of that name exists"),
        413: error("The file is larger than the model size limit (1 GiB)"),
        415: error("Not an ONNX file"),
    },
)
async def register_model(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> schemas.ModelOut:
    """Register a model by uploading its ONNX file. The file is stored and
    the model is `validating` until a worker has loaded it with ONNX Runtime,
    checked it has one image input and one output and measured its scale on
    a probe; then it is `active` (or `invalid`, with the reason)."""
    model = await register_model_from_request(request, context, session, principal)
    return convert.model_out(model)


@router.post(
    "/models/ncnn",
    response_model=schemas.ModelOut,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": NCNN_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid fields, or a file is missing"),
        409: error("A model of that name exists"),
        413: error("The .param is over 4 MiB or the .bin over 512 MiB"),
        415: error("The files are not named .param and .bin"),
        422: error(
            "Not a model we can convert: a layer of an unsupported type (named), weights "
            "that do not fit the graph, or a graph that is not an RRDBNet/SRVGGNetCompact "
            "upscaler (`unsupported_layer`, `invalid_param`, `invalid_weights`, `not_an_upscaler`)"
        ),
    },
)
async def register_ncnn_model(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> schemas.ModelOut:
    """Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason)."""
    model = await register_ncnn_from_request(request, context, session, principal)
    return convert.model_out(model)


@router.post("/models/rescan", response_model=schemas.RescanOut, status_code=202)
async def rescan_models(
    principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.RescanOut:
    """Ask a worker to register the models installed from the manifest in its model_dir."""
    return schemas.RescanOut(requested=await registry.rescan(context, session, principal.actor))


MODEL_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error("No such model"),
    409: error("Not possible in the model's state"),
}


@router.patch("/models/{name}", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def update_model(
    name: str, body: schemas.ModelUpdateRequest, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Map presets to the model, rank it, route it to GPU workers, annotate it."""
    model = await registry.update(
        session, name, registry.ModelUpdate(**body.model_dump()), principal.actor
    )
    return convert.model_out(model)


@router.post("/models/{name}/default", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def make_default(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Make this (active) model the default; the change is kept in the history."""
    return convert.model_out(await registry.set_default(session, name, principal.actor))


@router.post("/models/{name}/promote", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def promote_model(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Put a demoted model back in service."""
    return convert.model_out(await registry.promote(session, name, principal.actor))


@router.post("/models/{name}/demote", response_model=schemas.DemoteOut, responses=MODEL_ERRORS)
async def demote_model(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.DemoteOut:
    """Take a model out of service; demoting the default restores the previous default."""
    model, restored = await registry.demote(session, name, principal.actor)
    return schemas.DemoteOut(
        model=convert.model_out(model), restored_default=restored.name if restored else None
    )


@router.post(
    "/models/{name}/validate",
    response_model=schemas.ModelOut,
    status_code=202,
    responses=MODEL_ERRORS,
)
async def validate_model(
    name: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.ModelOut:
    """Have an uploaded model validated again (after an `invalid` verdict, say)."""
    model = await model_uploads.revalidate(context, session, name, principal.actor)
    return convert.model_out(model)


@router.delete("/models/{name}", status_code=204, responses=MODEL_ERRORS)
async def delete_model(
    name: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    """Remove an uploaded model and its stored file."""
    await registry.delete(context, session, name, principal.actor)
    return Response(status_code=204)
