"""Uploads purged by retention: when the original was deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:55:49.664018
"""

from collections.abc import Sequence

import sqlalchemy as sa

import upscaler.db.types
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purged_at", upscaler.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
