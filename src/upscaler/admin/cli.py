"""`upscaler-admin`: emergency access from the command line (blueprint 000 §11).

For when nobody can sign in: reset an admin's password, or create a
temporary admin that expires by itself. It needs what the service needs
(UPSCALER_DATABASE_URL and friends) and writes every action to the audit
log, naming the operating-system user and host that ran it.

    upscaler-admin reset-password abdullah            # prints a new one-time password
    upscaler-admin reset-password abdullah --password-stdin < file
    upscaler-admin create-temp-admin --hours 4        # prints its name and password
    upscaler-admin end-sessions abdullah
    upscaler-admin list-admins
    upscaler-admin backup /backups/2026-12-06       # rows + manifest (+ files)
    upscaler-admin restore /backups/2026-12-06      # into an empty deployment

Passwords are never taken from the command line (other users could read
them in the process list); a generated one is printed once, and the account
must choose its own at first sign-in unless --no-force-change is given.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import socket
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.auth import sessions
from upscaler.auth.service import MIN_PASSWORD_LENGTH
from upscaler.backup import BackupError, backup, restore
from upscaler.config import get_settings
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.migrate import upgrade_to_head
from upscaler.db.tables import User
from upscaler.db.types import utcnow
from upscaler.security.passwords import hash_password
from upscaler.storage.factory import make_storage

MAX_TEMP_HOURS = 24 * 7


class CliError(Exception):
    pass


def _operator() -> dict[str, str]:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment (containers)
        user = "unknown"
    return {"os_user": user, "host": socket.gethostname(), "via": "upscaler-admin"}


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated?)"""
    if not from_stdin:
        return secrets.token_urlsafe(15), True
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CliError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    return password, False


async def _find(session: AsyncSession, username: str) -> User:
    user = (
        await session.exec(select(User).where(func.lower(User.username) == username.lower()))
    ).first()
    if user is None:
        raise CliError(f"no user named {username!r}")
    return user


async def reset_password(
    session: AsyncSession, username: str, password: str, *, force_change: bool, activate: bool
) -> tuple[User, int]:
    user = await _find(session, username)
    user.password_hash = await asyncio.to_thread(hash_password, password)
    user.password_changed_at = utcnow()
    user.force_password_reset = force_change
    reactivated = activate and not user.is_active
    if activate:
        user.is_active = True
    session.add(user)
    add(
        session,
        Actor(None, "upscaler-admin", None),
        "cli.reset_password",
        entity_type="user",
        entity_id=user.id,
        details=_operator()
        | {"username": user.username, "force_change": force_change, "reactivated": reactivated},
    )
    await session.commit()
    assert user.id is not None
    ended = await sessions.revoke_all(session, user.id, "password reset from the command line")
    return user, ended


async def create_temp_admin(
    session: AsyncSession, username: str | None, password: str, *, hours: int, force_change: bool
) -> User:
    if not 1 <= hours <= MAX_TEMP_HOURS:
        raise CliError(f"--hours must be between 1 and {MAX_TEMP_HOURS}")
    username = username or f"temp-admin-{secrets.token_hex(3)}"
    taken = (
        await session.exec(select(User).where(func.lower(User.username) == username.lower()))
    ).first()
    if taken is not None:
        raise CliError(f"a user named {username!r} exists already")
    user = User(
        username=username,
        role="admin",
        password_hash=await asyncio.to_thread(hash_password, password),
        force_password_reset=force_change,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    session.add(user)
    await session.flush()
    add(
        session,
        Actor(None, "upscaler-admin", None),
        "cli.create_temp_admin",
        entity_type="user",
        entity_id=user.id,
        details=_operator()
        | {"username": username, "expires_at": user.expires_at, "force_change": force_change},
    )
    await session.commit()
    await session.refresh(user)
    return user


async def end_sessions(session: AsyncSession, username: str) -> int:
    user = await _find(session, username)
    assert user.id is not None
    ended = await sessions.revoke_all(session, user.id, "ended from the command line")
    add(
        session,
        Actor(None, "upscaler-admin", None),
        "cli.end_sessions",
        entity_type="user",
        entity_id=user.id,
        details=_operator() | {"username": user.username, "ended": ended},
    )
    await session.commit()
    return ended


async def list_admins(session: AsyncSession) -> list[User]:
    statement = select(User).where(User.role == "admin").order_by(col(User.username))
    return list((await session.exec(statement)).all())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upscaler-admin",
        description="Emergency admin access (every action is written to the audit log).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    reset = commands.add_parser("reset-password", help="set a new password for an account")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    reset.add_argument(
        "--no-force-change", action="store_true", help="do not require a change at sign-in"
    )
    reset.add_argument("--activate", action="store_true", help="also reactivate the account")
    temp = commands.add_parser("create-temp-admin", help="an admin account that expires")
    temp.add_argument("--username")
    temp.add_argument("--hours", type=int, default=24, help="lifetime (default 24)")
    temp.add_argument("--password-stdin", action="store_true")
    temp.add_argument("--no-force-change", action="store_true")
    end = commands.add_parser("end-sessions", help="end every session and token of an account")
    end.add_argument("username")
    commands.add_parser("list-admins", help="the admin accounts and their state")
    save = commands.add_parser(
        "backup", help="a consistent copy of the database, a manifest and the stored files"
    )
    save.add_argument("folder", type=Path, help="a new or empty folder")
    copy = save.add_mutually_exclusive_group()
    copy.add_argument("--files", action="store_true", default=None, help="copy stored files too")
    copy.add_argument(
        "--no-files", dest="files", action="store_false", help="rows and manifest only"
    )
    load = commands.add_parser("restore", help="a backup into an empty, migrated deployment")
    load.add_argument("folder", type=Path)
    return parser


async def _backup_or_restore(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    storage = make_storage(settings)
    try:
        if args.command == "backup":
            # Local files by default; an S3 bucket is usually mirrored on its own.
            files = args.files if args.files is not None else settings.storage_backend != "s3"
            report = await backup(engine, storage, args.folder, files=files)
            print(
                f"backed up {sum(report.tables.values())} rows of {len(report.tables)} tables "
                f"and {report.objects} stored objects ({report.copied} copied) to {args.folder}"
            )
        else:
            await asyncio.to_thread(upgrade_to_head, settings.database_url)
            report = await restore(engine, storage, args.folder)
            print(
                f"restored {sum(report.tables.values())} rows and {report.copied} files; "
                f"{report.objects - len(report.missing)} of {report.objects} objects are in storage"
            )
        for key in report.missing:
            print(f"missing from storage: {key}", file=sys.stderr)
        return 3 if report.missing else 0
    except BackupError as error:
        raise CliError(str(error)) from error
    finally:
        await storage.close()
        await engine.dispose()


async def _run(args: argparse.Namespace) -> int:
    if args.command in ("backup", "restore"):
        return await _backup_or_restore(args)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            if args.command == "reset-password":
                password, generated = _read_password(args.password_stdin)
                user, ended = await reset_password(
                    session,
                    args.username,
                    password,
                    force_change=not args.no_force_change,
                    activate=args.activate,
                )
                print(f"password of {user.username} reset; {ended} session(s) ended")
                if generated:
                    print(f"new password (shown once): {password}")
                if user.force_password_reset:
                    print("it must be changed at the next sign-in")
                if not user.is_active:
                    print("warning: the account is deactivated (use --activate)", file=sys.stderr)
            elif args.command == "create-temp-admin":
                password, generated = _read_password(args.password_stdin)
                user = await create_temp_admin(
                    session,
                    args.username,
                    password,
                    hours=args.hours,
                    force_change=not args.no_force_change,
                )
                assert user.expires_at is not None
                print(
                    f"temporary admin {user.username} created, valid until "
                    f"{user.expires_at:%Y-%m-%d %H:%M} UTC"
                )
                if generated:
                    print(f"password (shown once): {password}")
            elif args.command == "end-sessions":
                ended = await end_sessions(session, args.username)
                print(f"{ended} session(s) ended")
            else:
                for user in await list_admins(session):
                    state = "active" if user.is_active else "deactivated"
                    extra = (
                        f", expires {user.expires_at:%Y-%m-%d %H:%M} UTC" if user.expires_at else ""
                    )
                    print(f"{user.username}\t{state}{extra}")
    finally:
        await engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except CliError as error:
        print(f"upscaler-admin: {error}", file=sys.stderr)
        return 2
    except DBAPIError as error:
        print(
            "upscaler-admin: the database is unreachable or not migrated "
            f"(run `make migrate`): {error.orig}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
