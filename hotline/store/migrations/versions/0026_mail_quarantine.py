"""Messages of the mailbox that failed to be kept: their tries, and once quarantined, the reason and
the raw message for supervisors.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("sender", sa.String(200)),
        sa.Column("subject", sa.String(300)),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("last_tried_at", TZ, nullable=False),
        sa.Column("quarantined_at", TZ),
    )
    op.create_index("ix_mail_quarantine_quarantined_at", "mail_quarantine", ["quarantined_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_quarantine_quarantined_at", "mail_quarantine")
    op.drop_table("mail_quarantine")
