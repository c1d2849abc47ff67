"""Where a transferred ticket stands against its deadlines: the stage (focal point, head,
overdue) and the instant of the transfer the deadlines count from.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("handling_stage", sa.String(20)))
        t.add_column(sa.Column("transferred_at", sa.DateTime(timezone=True)))
        t.create_index("ix_tickets_handling_stage", ["handling_stage"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.drop_index("ix_tickets_handling_stage")
        t.drop_column("transferred_at")
        t.drop_column("handling_stage")
