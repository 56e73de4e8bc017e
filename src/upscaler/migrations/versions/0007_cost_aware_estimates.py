"""Cost-aware estimates: workers' measured speed per model; a job's upload-time
estimate and why its model was chosen.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estimated_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("model_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("throughput", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_column("throughput")

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("model_reason")
        batch_op.drop_column("estimated_seconds")
