"""Leases on the shared background jobs: one node at a time runs each.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("taken_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
