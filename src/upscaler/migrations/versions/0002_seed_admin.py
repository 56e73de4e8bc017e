"""Seed the admin account from ADMIN_SEED_USER / ADMIN_SEED_PASS.

The password is stored only as an argon2 hash, and the account must change it
at first login (force_password_reset). Re-running never overwrites an
existing account of that name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from upscaler.config import get_settings
from upscaler.db.types import utcnow
from upscaler.security.passwords import hash_password

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table(
    "users",
    sa.column("username", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("role", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("force_password_reset", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    settings = get_settings()
    connection = op.get_bind()
    exists = connection.execute(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.username == settings.admin_seed_user)
    ).scalar_one()
    if exists:
        return
    op.bulk_insert(
        users,
        [
            {
                "username": settings.admin_seed_user,
                "password_hash": hash_password(settings.admin_seed_pass.get_secret_value()),
                "role": "admin",
                "is_active": True,
                "force_password_reset": True,
                "created_at": utcnow(),
            }
        ],
    )


def downgrade() -> None:
    # The seeded account may have been used and renamed since; removing users
    # is an admin decision, not a schema one.
    pass
