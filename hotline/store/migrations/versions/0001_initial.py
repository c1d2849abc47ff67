"""Minimal store: tickets (for the IVR status look-up) and callback requests.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(40)),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("caller_phone", sa.String(32)),
        sa.Column("reporter_name", sa.String(200)),
        sa.Column("content", sa.Text),
        sa.Column("linkedid", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tickets_code", "tickets", ["code"], unique=True)
    op.create_index("ix_tickets_caller_phone", "tickets", ["caller_phone"])
    op.create_index("ix_tickets_linkedid", "tickets", ["linkedid"])
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("caller_number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("queue", sa.String(40)),
        sa.Column("linkedid", sa.String(64)),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_callback_requests_caller_number", "callback_requests", ["caller_number"])


def downgrade() -> None:
    op.drop_table("callback_requests")
    op.drop_table("tickets")
