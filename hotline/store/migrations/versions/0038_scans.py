"""Scanned letters on tickets and their recognised text (stub: filled by the scans work).

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as t:
        t.add_column(sa.Column("scan", sa.Boolean(), nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("text_status", sa.String(10), nullable=True))  # pending, done, failed
        t.add_column(sa.Column("text_error", sa.String(300), nullable=True))
        t.add_column(sa.Column("text", sa.Text(), nullable=True))
        t.add_column(sa.Column("text_folded", sa.Text(), nullable=True))
        t.create_index("ix_attachments_text_status", ["text_status"])


def downgrade() -> None:
    with op.batch_alter_table("attachments") as t:
        t.drop_index("ix_attachments_text_status")
        for c in ("text_folded", "text", "text_error", "text_status", "scan"):
            t.drop_column(c)
