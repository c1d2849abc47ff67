"""Live captions and alerts heard in calls : the table of alert phrases heard in live captions.

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("phrase", sa.String(100), nullable=False),
        sa.Column("heard", sa.String(500), nullable=False),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("operator", sa.String(60), nullable=True),
        sa.Column("caller_phone", sa.String(32), nullable=True),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_alerts_linkedid", "call_alerts", ["linkedid"])
    op.create_index("ix_call_alerts_heard_at", "call_alerts", ["heard_at"])


def downgrade() -> None:
    op.drop_index("ix_call_alerts_heard_at", "call_alerts")
    op.drop_index("ix_call_alerts_linkedid", "call_alerts")
    op.drop_table("call_alerts")
