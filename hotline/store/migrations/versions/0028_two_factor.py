"""Staff two-factor sign-in (stub: filled by the two-factor work).

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
