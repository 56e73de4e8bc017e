"""Accounts people make themselves: register, verify the address by e-mail,
reset a forgotten password by e-mail.

Links carry signed tokens (itsdangerous) with a lifetime, so nothing is
stored for them: the verification token names the account and its address;
the reset token also a fingerprint of the current password hash, so it works
once (after the change the fingerprint differs). Mail goes out through the
same SMTP settings as the notifications; without them, registration is
refused (503) rather than making accounts nobody can verify.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from email.message import EmailMessage
from email.utils import make_msgid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.auth import sessions
from upscaler.auth.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from upscaler.context import AppContext
from upscaler.db.tables import User
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.notifications.mail import SMTPConfig, send
from upscaler.security.passwords import hash_password

VERIFY_SALT = "upscaler.verify-email.v1"
INVITE_SALT = "upscaler.invite.v1"
INVITE_MAX_AGE_SECONDS = 7 * 24 * 3600
RESET_SALT = "upscaler.reset-password.v1"
VERIFY_MAX_AGE_SECONDS = 2 * 24 * 3600
RESET_MAX_AGE_SECONDS = 3600
#: Registrations and reset requests per client per minute.
REQUESTS_PER_MINUTE = 5
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


def _bad(field: str, message: str, status: int = 400, code: str = "invalid_request") -> APIError:
    return APIError(status, code, f"{field} {message}", fields=[FieldError(field, message)])


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise _bad("password", f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")


def _mail_config(context: AppContext) -> SMTPConfig:
    config = SMTPConfig.from_settings(context.settings)
    if config is None:
        raise APIError(
            503,
            "unavailable",
            "e-mail is not configured on this server, so accounts cannot be verified",
        )
    return config


def _serializer(context: AppContext, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.settings.secret(), salt=salt)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _message(config: SMTPConfig, to: str, subject: str, lines: list[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.mail_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=config.host)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("Hello,\n\n" + "\n\n".join(lines) + "\n\n-- ImageUpscalerPro\n")
    return message


async def _deliver(config: SMTPConfig, message: EmailMessage) -> None:
    try:
        await asyncio.to_thread(send, config, message)
    except Exception as error:  # the relay refused or is away: say so, keep nothing half-done
        raise APIError(
            503, "unavailable", "the e-mail could not be sent; please try again shortly"
        ) from error


async def by_email(session: AsyncSession, email: str) -> User | None:
    statement = select(User).where(func.lower(User.email) == email.lower())
    return (await session.exec(statement)).first()


def invitation(context: AppContext, email: str) -> str:
    """An admin's invitation for one address (valid a week). One account per
    address makes it work once."""
    return _serializer(context, INVITE_SALT).dumps({"email": email.strip().lower()})


def _check_invitation(context: AppContext, invite: str | None, email: str) -> None:
    if not invite:
        raise APIError(
            403, "invitation_required", "this server takes new accounts by invitation only"
        )
    try:
        payload = _serializer(context, INVITE_SALT).loads(invite, max_age=INVITE_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature) as error:
        raise _invalid_link("invitation") from error
    if str(payload.get("email", "")) != email.lower():
        raise _bad("email", "is not the address this invitation is for")


async def register(
    context: AppContext,
    ip: str,
    email: str,
    password: str,
    username: str | None,
    base: str,
    invite: str | None = None,
) -> User:
    """A new account, not yet able to sign in; the verification mail is sent.
    With registration by invitation, `invite` must be an invitation for `email`."""
    live = await context.live.get()
    if live.registration == "off":
        raise APIError(403, "registration_closed", "this server does not take new accounts")
    config = _mail_config(context)
    email = email.strip()
    if live.registration == "invite":  # cheap, before the limit that guards the mail
        _check_invitation(context, invite, email)
    await context.limiter.hit("register", ip, REQUESTS_PER_MINUTE)
    if not _EMAIL.fullmatch(email):
        raise _bad("email", "is not an e-mail address")
    name = (username or email.split("@")[0]).strip()
    name = re.sub(r"[^A-Za-z0-9._-]", "-", name)[:64]
    if not _USERNAME.fullmatch(name):
        raise _bad("username", "must be 3 to 64 letters, digits, dots, dashes or underscores")
    check_password(password)
    async with context.sessions() as session:
        if await by_email(session, email) is not None:
            raise _bad("email", "already has an account", 409, "conflict")
        taken = select(User).where(func.lower(User.username) == name.lower())
        if (await session.exec(taken)).first() is not None:
            raise _bad("username", "is taken", 409, "conflict")
        user = User(
            username=name,
            email=email,
            password_hash=await asyncio.to_thread(hash_password, password),
            role="user",
            self_registered=True,
        )
        session.add(user)
        await session.commit()
        await session.refresh(user)
    token = _serializer(context, VERIFY_SALT).dumps({"uid": user.id, "email": email})
    message = _message(
        config,
        email,
        "Confirm your e-mail address",
        [
            f"Someone (we hope you) made the account {name} with this address.",
            f"Confirm it within two days to sign in:\n{base}/verify-email?token={token}",
            "If it was not you, ignore this message: the account stays unusable.",
        ],
    )
    try:
        await _deliver(config, message)
    except APIError:
        async with context.sessions() as session:
            made = await session.get(User, user.id)
            if made is not None:
                await session.delete(made)
                await session.commit()
        raise
    return user


def _invalid_link(what: str) -> APIError:
    return APIError(400, "invalid_link", f"this {what} link is not valid or has expired")


async def verify_email(context: AppContext, token: str) -> User:
    try:
        payload = _serializer(context, VERIFY_SALT).loads(token, max_age=VERIFY_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature) as error:
        raise _invalid_link("confirmation") from error
    async with context.sessions() as session:
        user = await session.get(User, int(payload.get("uid", 0)))
        if user is None or (user.email or "").lower() != str(payload.get("email", "")).lower():
            raise _invalid_link("confirmation")
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            session.add(user)
            await session.commit()
            await session.refresh(user)
        return user


async def request_reset(context: AppContext, ip: str, email: str, base: str) -> None:
    """Send a reset link if the address has an account. The answer is the same
    either way, so nobody learns which addresses have accounts."""
    config = _mail_config(context)
    await context.limiter.hit("password-reset", ip, REQUESTS_PER_MINUTE)
    async with context.sessions() as session:
        user = await by_email(session, email.strip())
    if user is None or not sessions.user_can_log_in(user):
        return
    token = _serializer(context, RESET_SALT).dumps({"uid": user.id, "ph": _fingerprint(user)})
    await _deliver(
        config,
        _message(
            config,
            user.email or email,
            "Reset your password",
            [
                f"A new password was asked for the account {user.username}.",
                f"Choose it within an hour:\n{base}/reset-password?token={token}",
                "If you did not ask, ignore this message: nothing changes.",
            ],
        ),
    )


async def reset_password(context: AppContext, token: str, new_password: str) -> User:
    """Set the new password (the link then stops working) and end every
    session of the account."""
    try:
        payload = _serializer(context, RESET_SALT).loads(token, max_age=RESET_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature) as error:
        raise _invalid_link("password reset") from error
    check_password(new_password)
    async with context.sessions() as session:
        user = await session.get(User, int(payload.get("uid", 0)))
        if user is None or _fingerprint(user) != payload.get("ph"):
            raise _invalid_link("password reset")
        user.password_hash = await asyncio.to_thread(hash_password, new_password)
        user.password_changed_at = utcnow()
        user.force_password_reset = False
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()  # the link reached the address
        session.add(user)
        assert user.id is not None
        await sessions.revoke_all(session, user.id, "password reset")
        await session.commit()
        await session.refresh(user)
        return user
