"""Reminders: when the SMS reminder ahead of a ticket's deadline is due (cleared once sent).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("remind_at", sa.DateTime(timezone=True)))
        t.create_index("ix_tickets_remind_at", ["remind_at"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.drop_index("ix_tickets_remind_at")
        t.drop_column("remind_at")
