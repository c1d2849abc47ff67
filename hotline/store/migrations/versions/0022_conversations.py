"""Written channels: conversations with citizens and their messages; threading headers on the
e-mail outbox; the outbox of messages to citizens on Zalo and Facebook.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("citizen_address", sa.String(200), nullable=False, index=True),
        sa.Column("citizen_name", sa.String(200)),
        sa.Column("subject", sa.String(300)),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("assignee", sa.String(40), index=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), index=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_message_at", TZ, nullable=False, index=True),
        sa.Column("reply_due_at", TZ, index=True),
        sa.Column("reminded_at", TZ),
        sa.Column("escalated_at", TZ),
        sa.Column("access_hash", sa.String(64), unique=True),
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False, index=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(300), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("author", sa.String(60)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attachments", sa.Text),
        sa.Column("refused", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_conversation_message_external"),
    )
    with op.batch_alter_table("email_outbox") as t:
        t.add_column(sa.Column("headers", sa.Text))
    op.create_table(
        "chat_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("chat_outbox")
    with op.batch_alter_table("email_outbox") as t:
        t.drop_column("headers")
    op.drop_table("conversation_messages")
    op.drop_table("conversations")
