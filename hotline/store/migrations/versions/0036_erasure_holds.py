"""Tickets an erasure reached while still being handled, kept until their final step.

Revision ID: 0036
Revises: 0035
"""
import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("data_requests.id"), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("identifiers", sa.Text, nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_erasure_holds_request_id", "erasure_holds", ["request_id"])
    op.create_index("ix_erasure_holds_ticket_id", "erasure_holds", ["ticket_id"])
    op.create_index("ix_erasure_holds_released_at", "erasure_holds", ["released_at"])


def downgrade() -> None:
    op.drop_table("erasure_holds")
