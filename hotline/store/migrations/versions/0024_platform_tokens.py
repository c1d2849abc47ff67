"""Chat platforms' renewed access tokens (Zalo OA).

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "platform_tokens",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("renewed_at", TZ, nullable=False),
        sa.Column("seed_hash", sa.String(64), nullable=False),
        sa.Column("last_error", sa.String(500)),
    )


def downgrade() -> None:
    op.drop_table("platform_tokens")
