"""Statutory reports made on their dates, and files attached to outgoing e-mail.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statutory_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.UniqueConstraint("report_id", "first_day"),
    )
    with op.batch_alter_table("email_outbox") as batch:
        batch.add_column(sa.Column("attachment", sa.String(500)))


def downgrade() -> None:
    with op.batch_alter_table("email_outbox") as batch:
        batch.drop_column("attachment")
    op.drop_table("statutory_reports")
