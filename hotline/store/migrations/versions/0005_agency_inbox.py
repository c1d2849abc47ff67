"""Agency accounts (focal points and heads log in to their inbox) and the agency's answer.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as t:
        t.add_column(sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", name="fk_users_agency")))
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("result", sa.Text))
        t.add_column(sa.Column("answered_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("answered_by", sa.String(60)))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        for c in ("answered_by", "answered_at", "result"):
            t.drop_column(c)
    with op.batch_alter_table("users") as t:
        t.drop_column("agency_id")
