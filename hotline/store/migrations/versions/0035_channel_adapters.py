"""Conversation channels as adapters; citizens' SMS as a channel: each conversation says what kind
of address the citizen has on its channel (e-mail, phone, platform id), so that erasure and
access requests find a citizen's conversations whatever the channel.

Revision ID: 0035
Revises: 0034
"""
import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as t:
        t.add_column(sa.Column("address_kind", sa.String(10), nullable=False, server_default="platform"))
    op.execute("UPDATE conversations SET address_kind = CASE channel WHEN 'email' THEN 'email' "
               "WHEN 'webchat' THEN 'phone' ELSE 'platform' END")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as t:
        t.drop_column("address_kind")
