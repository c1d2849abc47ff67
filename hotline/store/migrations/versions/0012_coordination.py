"""Coordination requests: the handling agency asks another agency for its part of a ticket.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordination_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=True),
        sa.Column("asked_by", sa.String(60), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), index=True),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.String(60)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("coordination_requests")
