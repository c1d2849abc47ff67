"""Open311 GeoReport v2: the apps' keys; a ticket's map pin and the app it came from.

Revision ID: 0037
Revises: 0036
"""
import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        t.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        t.add_column(sa.Column("via_app", sa.String(60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.drop_column("via_app")
        t.drop_column("longitude")
        t.drop_column("latitude")
    op.drop_table("open311_keys")
