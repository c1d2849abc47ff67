"""Scanned letters on tickets and their recognised text (stub: filled by the scans work).

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
