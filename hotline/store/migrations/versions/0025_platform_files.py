"""Files citizens sent on Zalo and Messenger, waiting to be fetched from the platform.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_messages") as t:
        t.add_column(sa.Column("pending_files", sa.Text))
        t.add_column(sa.Column("files_pending", sa.Boolean, nullable=False, server_default=sa.false()))
        t.create_index("ix_conversation_messages_files_pending", ["files_pending"])


def downgrade() -> None:
    with op.batch_alter_table("conversation_messages") as t:
        t.drop_index("ix_conversation_messages_files_pending")
        t.drop_column("files_pending")
        t.drop_column("pending_files")
