"""/admin/models: the models, their presets and default, uploads of new
ONNX files and ncnn models (validated by a worker), promote/demote, notes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from upscaler.admin import convert
from upscaler.admin.api.models import register_model_from_request, register_ncnn_from_request
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.pages.forms import checked, text
from upscaler.admin.rendering import partial, redirect, render
from upscaler.catalog import model_uploads, ncnn_upload, registry
from upscaler.contracts import ModelStatus
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)


async def _panel_context(session: Any) -> dict[str, Any]:
    models = [convert.model_out(m) for m in await registry.list_models(session)]
    return {
        "models": models,
        "history": await registry.history(session),
        "presets": registry.PRESETS,
        "validating": any(m.status == ModelStatus.VALIDATING for m in models),
        "max_model_bytes": registry.MAX_MODEL_BYTES,
        "max_ncnn_bytes": ncnn_upload.limits(),
    }


@router.get("/models")
async def models_page(request: Request, principal: AdminPage, session: SessionDep) -> Response:
    return render(
        request,
        "admin/models.html",
        principal,
        section="models",
        title="Models",
        **await _panel_context(session),
    )


@router.get("/models/table")
async def models_table(request: Request, principal: AdminPage, session: SessionDep) -> Response:
    return partial(
        request,
        "admin/_models_table.html",
        csrf_token=principal.csrf_token,
        **await _panel_context(session),
    )


async def _upload_answer(
    request: Request, principal: AdminPage, session: SessionDep, register: Any
) -> Response:
    """Run a registration and answer with the refreshed table and a message
    (the refusal's reasons inline, next to the table the form swaps)."""
    try:
        model = await register()
    except APIError as error:
        detail = "; ".join(f"{f.field}: {f.message}" for f in error.fields) or error.message
        message, kind, status = detail, "error", error.status
    else:
        ncnn = registry.ncnn_sources(model) is not None
        what = f" ({model.arch} x{model.scale}, from ncnn)" if ncnn else ""
        message = f"{model.name}{what} was uploaded; a worker is validating it."
        kind, status = "ok", 202
    return partial(
        request,
        "admin/_models_table.html",
        status_code=status,
        csrf_token=principal.csrf_token,
        message=message,
        message_kind=kind,
        **await _panel_context(session),
    )


@router.post("/models")
async def upload_model(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    """The ONNX upload form (htmx, multipart, CSRF in the header): answers
    with the refreshed table and a message."""
    return await _upload_answer(
        request,
        principal,
        session,
        lambda: register_model_from_request(request, context, session, principal),
    )


@router.post("/models/ncnn")
async def upload_ncnn_model(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    """The ncnn upload form (.param + .bin; htmx, multipart, CSRF in the
    header): the files are judged at once, refusals are shown in the panel."""
    return await _upload_answer(
        request,
        principal,
        session,
        lambda: register_ncnn_from_request(request, context, session, principal),
    )


@router.post("/models/rescan")
async def rescan(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    asked = await registry.rescan(context, session, principal.actor)
    if not asked:
        return redirect(request, "/admin/models", "The queue is unavailable; try again.", "error")
    return redirect(request, "/admin/models", "A worker is registering its installed models.")


@router.post("/models/{name}/{action}")
async def model_action(
    name: str,
    action: str,
    request: Request,
    principal: AdminPage,
    context: ContextDep,
    session: SessionDep,
) -> Response:
    actor = principal.actor
    try:
        if action == "default":
            await registry.set_default(session, name, actor)
            message = f"{name} is now the default model."
        elif action == "demote":
            _model, restored = await registry.demote(session, name, actor)
            message = f"{name} was demoted." + (
                f" {restored.name} is the default again." if restored else ""
            )
        elif action == "promote":
            await registry.promote(session, name, actor)
            message = f"{name} is active again."
        elif action == "validate":
            await model_uploads.revalidate(context, session, name, actor)
            message = f"{name} is being validated again."
        elif action == "delete":
            await registry.delete(context, session, name, actor)
            message = f"{name} was removed."
        elif action == "update":
            form = await request.form()
            rank = text(form, "quality_rank", 8)
            await registry.update(
                session,
                name,
                registry.ModelUpdate(
                    presets=[str(p) for p in form.getlist("presets")],
                    note=str(form.get("note", "")),
                    quality_rank=int(rank) if rank and rank.lstrip("-").isdigit() else None,
                    gpu_required=checked(form, "gpu_required"),
                ),
                actor,
            )
            message = f"{name} was updated."
        else:
            return redirect(request, "/admin/models", f"Unknown action {action!r}.", "error")
    except APIError as error:
        detail = "; ".join(f"{f.field}: {f.message}" for f in error.fields) or error.message
        return redirect(request, "/admin/models", detail, "error")
    return redirect(request, "/admin/models", message)
