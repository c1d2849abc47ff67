"""Scorecards for verifying calls (issue #30 item 5): the weekly sample of each operator's calls
and the supervisors' scores.

Revision ID: 0033
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorecard_samples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("operator", sa.String(40), nullable=False),
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("week_start", "operator", "recording_id", name="uq_scorecard_samples_call"),
    )
    op.create_index("ix_scorecard_samples_week_start", "scorecard_samples", ["week_start"])
    op.create_index("ix_scorecard_samples_operator", "scorecard_samples", ["operator"])
    op.create_index("ix_scorecard_samples_recording_id", "scorecard_samples", ["recording_id"])
    op.create_table(
        "scorecard_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("scorecard_samples.id"), nullable=False),
        sa.Column("reviewer", sa.String(60), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marks", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("suggestions", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_scorecard_reviews_sample_id", "scorecard_reviews", ["sample_id"])
    op.create_index("ix_scorecard_reviews_reviewed_at", "scorecard_reviews", ["reviewed_at"])


def downgrade() -> None:
    op.drop_table("scorecard_reviews")
    op.drop_table("scorecard_samples")
