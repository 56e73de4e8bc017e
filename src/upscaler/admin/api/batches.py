"""/api/v1/admin: batches: run a batch's failures again."""

from __future__ import annotations

from fastapi import APIRouter, status

from upscaler.admin import schemas
from upscaler.auth.deps import AdminPrincipal
from upscaler.deps import ContextDep, SessionDep
from upscaler.jobs import commands
from upscaler.openapi import documented_error as error

router = APIRouter()


@router.post(
    "/batches/{batch_id}/requeue-failures",
    response_model=schemas.BatchRequeueOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: error("No such batch"),
        409: error("Nothing in the batch failed, or no failed image is stored any more"),
        503: error("No active model to run them"),
    },
)
async def requeue_batch_failures(
    batch_id: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.BatchRequeueOut:
    """Run again, as new jobs in the same batch, every image of the batch
    whose latest job failed or was canceled (the same parameters; the model
    the preset picks now). Images whose original is gone are skipped."""
    jobs, skipped = await commands.requeue_batch_failures(
        context, session, batch_id, actor=principal.actor
    )
    return schemas.BatchRequeueOut(
        batch_id=batch_id, requeued=[job.job_id for job in jobs], skipped=skipped
    )
