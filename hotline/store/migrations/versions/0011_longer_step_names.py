"""Step and action names up to 40 characters (HCMC's incident and proposal steps).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.alter_column("handling_stage", type_=sa.String(40), existing_type=sa.String(20), existing_nullable=True)
        t.alter_column("classification", type_=sa.String(40), existing_type=sa.String(30), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.alter_column("classification", type_=sa.String(30), existing_type=sa.String(40), existing_nullable=True)
        t.alter_column("handling_stage", type_=sa.String(20), existing_type=sa.String(40), existing_nullable=True)
