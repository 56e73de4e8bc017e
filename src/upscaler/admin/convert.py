"""Rows → API bodies."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from upscaler.admin import schemas
from upscaler.audit.queries import AuditEntry
from upscaler.contracts import JobStatus
from upscaler.db.tables import ApiKey, AuthSession, Job, Model, User, Worker
from upscaler.db.types import utcnow
from upscaler.health.endpoints import WORKER_STALE_AFTER
from upscaler.jobs.query import JobDetail, JobRow

log = logging.getLogger(__name__)


def _job_fields(job: Job, filename: str, owner: str | None) -> dict[str, object]:
    return {
        "job_id": job.job_id,
        "status": JobStatus(job.status),
        "progress": job.progress,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "duration_seconds": job.duration_seconds,
        "model": job.model,
        "provider": job.provider,
        "precision": job.precision,
        "queue": job.queue,
        "worker_id": job.worker_id,
        "attempts": job.attempts,
        "owner": owner,
        "filename": filename,
        "params": dict(job.params),
        "requeued_from": job.requeued_from,
        "repeat_of": job.repeat_of,
        "batch_id": job.batch_id,
        "error": job.error_message,
    }


def admin_job(row: JobRow) -> schemas.AdminJob:
    return schemas.AdminJob.model_validate(_job_fields(row.job, row.filename, row.owner))


def audit_entry(entry: AuditEntry) -> schemas.AuditEntryOut:
    row = entry.row
    assert row.id is not None
    return schemas.AuditEntryOut(
        id=row.id,
        created_at=row.created_at,
        user_id=row.user_id,
        username=entry.username,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        details=dict(row.details),
        ip_address=row.ip_address,
    )


def admin_job_detail(detail: JobDetail) -> schemas.AdminJobDetail:
    job, upload = detail.job, detail.upload
    return schemas.AdminJobDetail.model_validate(
        _job_fields(job, upload.original_filename, detail.owner)
        | {
            "queue_position": detail.queue_position,
            "enqueued_at": job.enqueued_at,
            "lease_expires_at": job.lease_expires_at,
            "engine": dict(job.engine),
            "upload": schemas.UploadInfo(
                upload_id=upload.id,
                filename=upload.original_filename,
                mime_type=upload.mime_type,
                width=upload.width,
                height=upload.height,
                size_bytes=upload.size_bytes,
                sha256=upload.sha256,
                batch_path=upload.batch_path,
            ),
            "result": schemas.ResultOut(
                mime_type=job.result_mime_type,
                width=job.result_width,
                height=job.result_height,
                size_bytes=job.result_size_bytes,
            ),
            "original_url": detail.original_url,
            "result_url": detail.result_url,
            "thumbnail_url": detail.thumbnail_url,
            "requeued_as": [child.job_id for child in detail.children],
            "audit": [audit_entry(entry) for entry in detail.audit],
        }
    )


def engine_choices(engines: dict[str, Any]) -> dict[str, schemas.EngineChoiceOut]:
    """A worker's `engines` column by model name; an entry that does not parse
    is left out (and logged) rather than failing the workers page."""
    choices: dict[str, schemas.EngineChoiceOut] = {}
    for model, entry in sorted((engines or {}).items()):
        try:
            choices[model] = schemas.EngineChoiceOut.model_validate(entry)
        except ValidationError:
            log.warning("the engines entry of model %s does not parse: %r", model, entry)
    return choices


def worker_out(worker: Worker) -> schemas.WorkerOut:
    age = (utcnow() - worker.last_seen_at).total_seconds()
    return schemas.WorkerOut(
        id=worker.id,
        hostname=worker.hostname,
        pid=worker.pid,
        queues=list(worker.queues),
        provider=worker.provider,
        precision=worker.precision,
        engines=engine_choices(worker.engines),
        gpu=worker.gpu,
        current_job_id=worker.current_job_id,
        jobs_done=worker.jobs_done,
        load_per_core=worker.load_per_core,
        rss_bytes=worker.rss_bytes,
        started_at=worker.started_at,
        last_seen_at=worker.last_seen_at,
        seconds_since_seen=round(max(age, 0.0), 1),
        online=age <= WORKER_STALE_AFTER.total_seconds(),
    )


def model_out(model: Model) -> schemas.ModelOut:
    params = model.default_params
    return schemas.ModelOut(
        name=model.name,
        type=model.type,
        arch=model.arch,
        scale=model.scale,
        status=model.status,
        status_reason=model.status_reason,
        source=model.source,
        presets=list(model.presets),
        is_default=model.is_default,
        quality_rank=model.quality_rank,
        gpu_required=model.gpu_required,
        size_bytes=model.size_bytes,
        sha256=model.sha256,
        note=model.note,
        variant_of=params.get("variant_of"),
        denoise=params.get("denoise"),
        details=dict(model.details),
        created_at=model.created_at,
        updated_at=model.updated_at,
    )


def user_out(user: User, live_sessions: int = 0) -> schemas.UserOut:
    assert user.id is not None
    return schemas.UserOut(
        id=user.id,
        username=user.username,
        email=user.email,
        role=user.role,
        plan=user.plan,
        is_active=user.is_active,
        force_password_reset=user.force_password_reset,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        expires_at=user.expires_at,
        live_sessions=live_sessions,
    )


def session_out(row: AuthSession) -> schemas.SessionOut:
    assert row.id is not None
    return schemas.SessionOut(
        id=row.id,
        kind=row.kind,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
    )


def api_key_out(row: ApiKey) -> schemas.UserApiKeyOut:
    assert row.id is not None
    return schemas.UserApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
