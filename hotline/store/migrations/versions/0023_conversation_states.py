"""Conversations' read states (the last message each side has seen) and the figures of the
reports by channel (when the first answer went, how often the first-reply time passed).

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as t:
        t.add_column(sa.Column("operator_read_id", sa.Integer))
        t.add_column(sa.Column("citizen_read_id", sa.Integer))
        t.add_column(sa.Column("first_reply_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("late_count", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as t:
        for name in ("late_count", "first_reply_at", "citizen_read_id", "operator_read_id"):
            t.drop_column(name)
