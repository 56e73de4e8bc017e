"""Completion e-mail: the message (plain text and HTML) and how it is sent.

SMTP is configured by UPSCALER_SMTP_URL: ``smtp://user:pass@host:587``
(STARTTLS, required unless UPSCALER_SMTP_STARTTLS=false) or
``smtps://user:pass@host:465`` (TLS from the first byte). Certificates are
checked against the host name. Without it, e-mail notifications are off and
an upload that asks for one is refused (400), not silently ignored.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from upscaler.config import Settings
from upscaler.db.tables import Job, Upload

SMTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SMTPConfig:
    host: str
    port: int
    implicit_tls: bool  # smtps://
    starttls: bool
    username: str | None
    password: str | None
    mail_from: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SMTPConfig | None:
        """None when e-mail is not configured."""
        if settings.smtp_url is None:
            return None
        parts = urlsplit(settings.smtp_url.get_secret_value())
        implicit = parts.scheme == "smtps"
        assert parts.hostname  # Settings checked it
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            implicit_tls=implicit,
            starttls=settings.smtp_starttls and not implicit,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            mail_from=settings.mail_from,
        )


def mask_address(address: str) -> str:
    """``a***@example.com``: enough to recognise one's own address, not to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def render(
    config: SMTPConfig, job: Job, upload: Upload | None, to: str, page_url: str
) -> EmailMessage:
    """The message for a completed or failed job, with the job page's link."""
    filename = upload.original_filename if upload is not None else "your image"
    completed = job.status == "completed"
    if completed:
        subject = "Your upscaled image is ready"
        lead = f"Your image {filename} has been upscaled"
        if job.result_width and job.result_height:
            lead += f" to {job.result_width} x {job.result_height} pixels"
        lead += "."
        action = "See it and download it here (the download is kept for a limited time):"
    else:
        subject = "Your upscaling job failed"
        lead = f"We could not upscale {filename}: {job.error_message or 'an unknown error'}."
        action = "Details are on the job page:"
    text = (
        f"Hello,\n\n{lead}\n\n{action}\n{page_url}\n\n"
        f"Job: {job.job_id}\n\n"
        "You get this message because this address was given with the upload.\n"
        "-- ImageUpscalerPro\n"
    )
    safe_url = html.escape(page_url, quote=True)
    body_html = (
        "<!doctype html><html><body>"
        f"<p>Hello,</p><p>{html.escape(lead)}</p>"
        f'<p>{html.escape(action)}<br><a href="{safe_url}">{html.escape(page_url)}</a></p>'
        f"<p>Job: <code>{html.escape(job.job_id)}</code></p>"
        "<p><small>You get this message because this address was given with the upload."
        "</small><br>&mdash; ImageUpscalerPro</p></body></html>"
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.mail_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=config.host)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(body_html, subtype="html")
    return message


class PermanentMailError(Exception):
    """The server refused for good (5xx): retrying would not help."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


def send(
    config: SMTPConfig, message: EmailMessage, *, timeout: float = SMTP_TIMEOUT_SECONDS
) -> None:
    """Send one message (blocking: run it in a thread). Raises PermanentMailError
    for a 5xx refusal; anything else raised (4xx, network) is worth a retry."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.implicit_tls:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=timeout)
    try:
        client.ehlo()
        if config.starttls:
            client.starttls(context=context)
            client.ehlo()
        if config.username is not None:
            client.login(config.username, config.password or "")
        client.send_message(message)
    except smtplib.SMTPNotSupportedError as error:  # no STARTTLS: never send in clear
        raise PermanentMailError(f"the SMTP server refused: {error}", None) from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentMailError(f"recipient refused: {codes[0]}", codes[0]) from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            detail = (
                error.smtp_error.decode(errors="replace")
                if isinstance(error.smtp_error, bytes)
                else str(error.smtp_error)
            )
            raise PermanentMailError(f"{error.smtp_code} {detail}", error.smtp_code) from error
        raise
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
