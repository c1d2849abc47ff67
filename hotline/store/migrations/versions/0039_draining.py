"""A node draining before an upgrade: `hotline drain` marks its heartbeat row; the node then
refuses new calls (the edge sends them to another node) and stops once its calls have ended.

Revision ID: 0039
Revises: 0038
"""
import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("node_heartbeats") as t:
        t.add_column(sa.Column("draining_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("node_heartbeats") as t:
        t.drop_column("draining_since")
