"""The workflow of issue #6: every ticket has a step (`handling_stage`) with its deadline, a
version for conditional writes, action counts (reschedules), late marks, classification,
publication, rating, duplicates and attachments; agency accounts may be leaders (approval).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STAGE_OF_STATUS = {"received": "received", "answered": "answered", "closed": "closed", "rejected": "rejected",
                   "in_progress": "focal_point", "overdue": "overdue"}


def upgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("stage_entered_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("counts", sa.Text, nullable=False, server_default="{}"))
        t.add_column(sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("classification", sa.String(30)))
        t.add_column(sa.Column("state_secret", sa.Boolean, nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("answer_level", sa.Integer))
        t.add_column(sa.Column("reason", sa.Text))
        t.add_column(sa.Column("question", sa.Text))
        t.add_column(sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("tickets.id", name="fk_tickets_duplicate")))
        t.add_column(sa.Column("published_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("rating", sa.Integer))
        t.add_column(sa.Column("rated_at", sa.DateTime(timezone=True)))
        t.create_index("ix_tickets_duplicate_of", ["duplicate_of"])
        t.create_index("ix_tickets_created_at", ["created_at"])
        t.create_index("ix_tickets_published_at", ["published_at"])
        t.create_index("ix_tickets_stage_due", ["handling_stage", "due_at"])
    for status, stage in STAGE_OF_STATUS.items():
        op.execute(sa.text("UPDATE tickets SET handling_stage = :stage WHERE handling_stage IS NULL AND status = :status")
                   .bindparams(stage=stage, status=status))
    op.execute("UPDATE tickets SET stage_entered_at = COALESCE(transferred_at, created_at)")
    with op.batch_alter_table("users") as t:
        t.add_column(sa.Column("agency_leader", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("uploaded_by", sa.String(60), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    with op.batch_alter_table("users") as t:
        t.drop_column("agency_leader")
    with op.batch_alter_table("tickets") as t:
        for ix in ("ix_tickets_stage_due", "ix_tickets_published_at", "ix_tickets_created_at",
                   "ix_tickets_duplicate_of"):
            t.drop_index(ix)
        for c in ("rated_at", "rating", "published_at", "duplicate_of", "question", "reason", "answer_level",
                  "state_secret", "classification", "late", "counts", "stage_entered_at", "version"):
            t.drop_column(c)
