"""Reviews of written answers and the agencies' action on the findings.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "answer_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), index=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewed_by", sa.String(60), nullable=False),
        sa.Column("reviewed_at", TZ, nullable=False),
        sa.Column("due_at", TZ),
        sa.Column("response", sa.Text),
        sa.Column("responded_by", sa.String(60)),
        sa.Column("responded_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("answer_reviews")
