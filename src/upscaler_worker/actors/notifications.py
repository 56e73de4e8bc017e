"""Completion notifications, on the worker side: the `notify_job` actor.

Once a job's terminal state is committed, the pipeline calls `announce`
(upscaler.notifications.announce, shared with the API's instant repeats): it
records one pending `notification_deliveries` row per notification the job
asked for (a webhook to its callback_url; an e-mail to its address when SMTP
is configured) and sends one `notify_job(job_id, kind)` message each, on the
`notifications` queue that every worker consumes.

Each message is one attempt. A webhook is POSTed with a signed JSON event to
the address its URL resolves to *now*, checked again (`resolve_and_pin`), with
a short timeout and no redirects followed; 2xx is delivered, 408/429/5xx,
timeouts and connection errors are tried again later, any other answer
(3xx, 4xx) fails the delivery at once. An e-mail goes through smtplib in a
thread; 5xx refusals are final, the rest is tried again. Retries are new
messages delayed by an exponential backoff (UPSCALER_NOTIFY_BACKOFF_SECONDS,
doubling, at most an hour) until UPSCALER_NOTIFY_MAX_ATTEMPTS; every attempt
is recorded on the row. Nothing here ever changes the job, and nothing here
can fail it.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
import httpx

from upscaler.config import Settings
from upscaler.contracts import NOTIFICATIONS_QUEUE, NOTIFY_JOB_ACTOR
from upscaler.db.tables import Job, NotificationDelivery, Upload
from upscaler.db.types import utcnow
from upscaler.jobs import state_machine as jobs
from upscaler.logs import log_context
from upscaler.notifications import repository as deliveries
from upscaler.notifications.announce import announce as shared_announce
from upscaler.notifications.announce import targets
from upscaler.notifications.mail import PermanentMailError, SMTPConfig, render, send
from upscaler.notifications.payload import (
    LinkMaker,
    NotificationEvent,
    build_event,
    encode,
    job_page_url,
)
from upscaler.notifications.repository import DeliveryStatus, NotificationKind
from upscaler.notifications.signing import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from upscaler.notifications.ssrf import (
    CallbackResolutionError,
    Resolver,
    UnsafeCallbackError,
    resolve_and_pin,
    system_resolver,
)
from upscaler_worker.context import ContextHolder, WorkerContext

log = logging.getLogger(__name__)

USER_AGENT = "ImageUpscalerPro-Webhook/1"
MAX_BACKOFF_SECONDS = 3600.0
#: Answers worth another try besides 5xx: request timeout, too many requests.
RETRYABLE_STATUSES = frozenset({408, 429})
#: Retries of the message itself when something around the attempt broke
#: (database or broker away); the attempts themselves are counted on the row.
MESSAGE_RETRIES = 5


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool = False
    status_code: int | None = None
    error: str | None = None


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """The wait after failed attempt number `attempt` (1-based)."""
    return float(min(settings.notify_backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))


async def enqueue(
    ctx: WorkerContext, job_id: str, kind: NotificationKind, *, delay_ms: int | None = None
) -> None:
    await ctx.producer.enqueue_notification(job_id, kind.value, delay_ms=delay_ms)


async def announce(ctx: WorkerContext, job: Job) -> None:
    """Record and send the notifications of a job that has just completed or
    failed (its state committed). Never raises. ``job``: the row the claim
    returned (a job without notification targets costs no session)."""
    await shared_announce(ctx.sessions, ctx.settings, ctx.producer, job)


async def post_webhook(
    settings: Settings,
    links: LinkMaker,
    job: Job,
    upload: Upload | None,
    row: NotificationDelivery,
    attempt: int,
    *,
    resolver: Resolver = system_resolver,
) -> Outcome:
    try:
        pinned = await asyncio.to_thread(
            resolve_and_pin,
            row.target,
            allow_private=settings.webhook_allow_private,
            resolver=resolver,
        )
    except CallbackResolutionError as error:
        return Outcome(False, retry=True, error=str(error))
    except UnsafeCallbackError as error:  # it resolves elsewhere now (rebinding?)
        return Outcome(False, error=f"refused at delivery: the callback URL {error}")
    body = encode(
        await build_event(
            settings, links, job, upload, NotificationEvent(row.event), row.delivery_id
        )
    )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: row.event,
        DELIVERY_HEADER: row.delivery_id,
        ATTEMPT_HEADER: str(attempt),
        SIGNATURE_HEADER: signature_header(settings.webhook_signing_secret(), body),
        **pinned.headers,
    }
    timeout = settings.webhook_timeout_seconds
    try:
        # The total is bounded too: a receiver answering a byte at a time
        # cannot hold a worker longer than the timeout.
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout) as client,
        ):
            request = client.build_request(
                "POST", pinned.url, content=body, headers=headers, extensions=pinned.extensions
            )
            response = await client.send(request, stream=True)
            await response.aclose()  # the body is never read
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(False, retry=True, error=f"no answer within {timeout:g} s")
    except httpx.HTTPError as error:
        return Outcome(
            False, retry=True, error=f"connection failed: {error or type(error).__name__}"
        )
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, status_code=code)
    if 300 <= code < 400:
        return Outcome(False, status_code=code, error=f"HTTP {code}: redirects are not followed")
    if code >= 500 or code in RETRYABLE_STATUSES:
        return Outcome(False, retry=True, status_code=code, error=f"HTTP {code}")
    return Outcome(False, status_code=code, error=f"HTTP {code}: not retried")


async def send_email(
    settings: Settings, job: Job, upload: Upload | None, row: NotificationDelivery
) -> Outcome:
    config = SMTPConfig.from_settings(settings)
    if config is None:
        return Outcome(False, error="e-mail is not configured on this worker")
    message = render(config, job, upload, row.target, job_page_url(settings, job.job_id))
    try:
        await asyncio.to_thread(send, config, message)
    except PermanentMailError as error:
        return Outcome(False, status_code=error.code, error=str(error))
    except smtplib.SMTPResponseException as error:
        return Outcome(False, retry=True, status_code=error.smtp_code, error=str(error))
    except (smtplib.SMTPException, OSError) as error:
        return Outcome(False, retry=True, error=f"{type(error).__name__}: {error}")
    return Outcome(True, status_code=250)


async def deliver(
    ctx: WorkerContext,
    job_id: str,
    kind: NotificationKind,
    *,
    resolver: Resolver = system_resolver,
) -> None:
    """One attempt at one notification, recorded; another is scheduled when
    it is worth it and attempts are left."""
    settings = ctx.settings
    async with ctx.sessions() as session:
        job = await jobs.get_job(session, job_id)
        event = NotificationEvent.for_status(job.status) if job is not None else None
        target = targets(settings, job).get(kind) if job is not None else None
        if job is None or event is None or target is None:
            return
        row = await deliveries.ensure(session, job_id, kind, event.value, target)
        assert row.id is not None
        attempt = row.attempts + 1
        if row.status != DeliveryStatus.PENDING or not await deliveries.claim_attempt(
            session, row.id, attempt
        ):
            return  # delivered or given up already, or another copy is on it
        upload = await session.get(Upload, job.upload_id)
    try:
        if kind == NotificationKind.WEBHOOK:
            links = LinkMaker(settings, ctx.storage)
            outcome = await post_webhook(
                settings, links, job, upload, row, attempt, resolver=resolver
            )
        else:
            outcome = await send_email(settings, job, upload, row)
    except Exception as error:  # unforeseen: recorded, and tried again like a network error
        log.exception("notification %s of job %s failed unexpectedly", kind.value, job_id)
        outcome = Outcome(False, retry=True, error=f"{type(error).__name__}: {error}")

    again = not outcome.delivered and outcome.retry and attempt < settings.notify_max_attempts
    delay = backoff_seconds(settings, attempt) if again else None
    if outcome.delivered:
        status = DeliveryStatus.DELIVERED
    elif again:
        status = DeliveryStatus.PENDING
    else:
        status = DeliveryStatus.FAILED
    async with ctx.sessions() as session:
        await deliveries.record_outcome(
            session,
            row.id,
            status=status,
            status_code=outcome.status_code,
            error=outcome.error,
            next_attempt_at=utcnow() + timedelta(seconds=delay) if delay is not None else None,
        )
    if delay is not None:
        await enqueue(ctx, job_id, kind, delay_ms=int(delay * 1000))
    log.info(
        "notification %s of job %s, attempt %d: %s%s",
        kind.value,
        job_id,
        attempt,
        status.value,
        f" ({outcome.error})" if outcome.error else "",
    )


def register(broker: dramatiq.Broker, holder: ContextHolder) -> None:
    """Register `notify_job` on the broker (its queue is declared by build_broker)."""

    async def notify_job(job_id: str, kind: str) -> None:
        with log_context(job_id=job_id):
            await deliver(await holder.get(), job_id, NotificationKind(kind))

    dramatiq.actor(
        broker=broker,
        actor_name=NOTIFY_JOB_ACTOR,
        queue_name=NOTIFICATIONS_QUEUE,
        max_retries=MESSAGE_RETRIES,
        min_backoff=5_000,
        max_backoff=60_000,
        # Ahead of upscaling jobs waiting for the same worker thread: a
        # notification takes seconds at most (the timeouts bound it).
        priority=-1,
    )(notify_job)
