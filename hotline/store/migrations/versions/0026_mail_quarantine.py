"""Messages of the mailbox that failed to be kept, quarantined with their reason (stub: filled by the quarantine work).

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
