"""The provincial office's letters to agencies: reminders and requests for explanation.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "office_letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("issued_by", sa.String(60), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("due_at", TZ),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.String(60)),
        sa.Column("answered_at", TZ),
        sa.UniqueConstraint("year", "number"),
    )


def downgrade() -> None:
    op.drop_table("office_letters")
