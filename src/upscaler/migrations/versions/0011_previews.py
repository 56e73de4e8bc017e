"""Model previews: a crop upscaled by every installed model, side by side.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op
from upscaler.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "previews",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("cache_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("image_width", sa.Integer(), nullable=False),
        sa.Column("image_height", sa.Integer(), nullable=False),
        sa.Column("crop_x", sa.Integer(), nullable=False),
        sa.Column("crop_y", sa.Integer(), nullable=False),
        sa.Column("crop_width", sa.Integer(), nullable=False),
        sa.Column("crop_height", sa.Integer(), nullable=False),
        sa.Column("crop_origin", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("factor", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("denoise", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("crop_storage_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_previews_cache_key", "previews", ["cache_key"], unique=False)
    op.create_index("ix_previews_created_at", "previews", ["created_at"], unique=False)
    op.create_index("ix_previews_owner_id", "previews", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_previews_owner_id", table_name="previews")
    op.drop_index("ix_previews_created_at", table_name="previews")
    op.drop_index("ix_previews_cache_key", table_name="previews")
    op.drop_table("previews")
