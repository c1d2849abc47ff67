"""Desktop: user accounts, web sessions, agent logins; ticket fields the operator fills in.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("address", sa.String(500)))
        t.add_column(sa.Column("email", sa.String(200)))
        t.add_column(sa.Column("confidential", sa.Boolean, nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("draft", sa.Boolean, nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("operator_id", sa.String(40)))
        t.add_column(sa.Column("recording_path", sa.String(500)))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(60), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("operator_id", sa.String(40)),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "agent_logins",
        sa.Column("operator_id", sa.String(40), primary_key=True),
        sa.Column("queues", sa.String(500), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("pause_reason", sa.String(40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agent_logins")
    op.drop_table("web_sessions")
    op.drop_table("users")
    with op.batch_alter_table("tickets") as t:
        for c in ("recording_path", "operator_id", "draft", "confidential", "email", "address"):
            t.drop_column(c)
