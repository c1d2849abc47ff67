"""Call statistics: each queued call (from Asterisk's queue_log) and the read position in that log.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("callid", sa.String(64), nullable=False, index=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("outcome", sa.String(12), nullable=False, server_default="waiting"),
        sa.Column("agent", sa.String(64), nullable=False, server_default=""),
        sa.Column("wait_seconds", sa.Integer),
        sa.Column("talk_seconds", sa.Integer),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "log_cursors",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("inode", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("offset", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("log_cursors")
    op.drop_table("queue_calls")
